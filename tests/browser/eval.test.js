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
