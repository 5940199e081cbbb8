// The page's condition evaluator against the shared vectors generated from the Rust evaluator
// (tests/questionnaire_vectors.rs). Run: node --test tests/browser/eval.test.js
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const path = require("node:path");
const fs = require("node:fs");

const root = path.join(__dirname, "..", "..");
const E = require(path.join(root, "templates", "questionnaire-eval.js"));
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "vectors.json"), "utf8"));

for (const p of vectors.packs) {
  test(`every condition of pack ${p.pack} gives the Rust result`, () => {
    let cases = 0;
    const wrong = [];
    for (const c of p.conditions) {
      p.facts.forEach((f, i) => {
        const base = { answers: f.answers, date: f.assessment_date };
        const expect = c.expect[i];
        if (c.group === null) {
          const got = E.evaluate(c.condition, Object.assign({ item: null }, base));
          cases++;
          if (got !== expect) wrong.push(`${c.name} facts#${i}: js ${got}, rust ${expect}`);
        } else {
          expect.forEach((want, j) => {
            const got = E.evaluate(c.condition, Object.assign({ item: { group: c.group, index: j } }, base));
            cases++;
            if (got !== want) wrong.push(`${c.name} facts#${i} item ${j}: js ${got}, rust ${want}`);
          });
        }
      });
    }
    assert.ok(cases > 500, `only ${cases} cases`);
    assert.deepStrictEqual(wrong.slice(0, 20), [], `${wrong.length} of ${cases} cases differ`);
  });
}

test("the evaluator notices a wrong answer (the vectors can fail)", () => {
  const c = { q: "a.b", op: "gt", value: 3 };
  assert.strictEqual(E.evaluate(c, { answers: { "a.b": 4 }, date: "2026-01-01", item: null }), "true");
  assert.strictEqual(E.evaluate(c, { answers: { "a.b": 3 }, date: "2026-01-01", item: null }), "false");
  assert.strictEqual(E.evaluate(c, { answers: { "a.b": "不清楚" }, date: "2026-01-01", item: null }), "unknown");
  assert.strictEqual(E.evaluate({ not: c }, { answers: {}, date: "2026-01-01", item: null }), "unknown");
});

test("within_days counts calendar days across leap years", () => {
  const c = { q: "d", op: "within_days", days: 366 };
  const ctx = (d) => ({ answers: { d }, date: "2024-12-31", item: null });
  assert.strictEqual(E.evaluate(c, ctx("2023-12-31")), "true");
  assert.strictEqual(E.evaluate(c, ctx("2023-12-30")), "false");
  assert.strictEqual(E.evaluate(c, ctx("2025-01-01")), "false");
});

test("dates may be a month or a year: three-valued over the days they cover", () => {
  const ctx = (d, date) => ({ answers: { d, e: "2025-09-10" }, date: date || "2026-03-10", item: null });
  const w = { q: "d", op: "within_days", days: 365 };
  assert.strictEqual(E.evaluate(w, ctx("2025-06")), "true");
  assert.strictEqual(E.evaluate(w, ctx("2025-03")), "unknown");
  assert.strictEqual(E.evaluate(w, ctx("2025")), "unknown");
  assert.strictEqual(E.evaluate(w, ctx("2024")), "false");
  const c = (op, value) => ({ q: "d", op, value, date: true });
  assert.strictEqual(E.evaluate(c("before", "2025-10-01"), ctx("2025-09")), "true");
  assert.strictEqual(E.evaluate(c("before", "2025-09-30"), ctx("2025-09")), "unknown");
  assert.strictEqual(E.evaluate(c("on_or_before", "2025-09-30"), ctx("2025-09")), "true");
  assert.strictEqual(E.evaluate(c("equals", "2025-09-15"), ctx("2025-09")), "unknown");
  assert.strictEqual(E.evaluate(c("not_equals", "2025-10-15"), ctx("2025-09")), "true");
  assert.strictEqual(E.evaluate(c("equals", "2025-12-31"), ctx("2025-12-31")), "true");
  // Between two questions: every pair of days.
  const q = { q: "e", op: "on_or_before", question: "d", date: true };
  assert.strictEqual(E.evaluate(q, ctx("2025-09")), "unknown");
  assert.strictEqual(E.evaluate(q, ctx("2025-10")), "true");
  assert.strictEqual(E.evaluate(q, ctx("2025-08")), "false");
  // Text equality is untouched: without the date mark "2025" equals "2025".
  assert.strictEqual(E.evaluate({ q: "d", op: "equals", value: "2025" }, ctx("2025")), "true");
  assert.deepStrictEqual(E.span("2024-02"), [E.days("2024-02-01"), E.days("2024-02-29")]);
  assert.deepStrictEqual(E.span("2025-12"), [E.days("2025-12-01"), E.days("2025-12-31")]);
  assert.strictEqual(E.span("2025-13"), null);
});
