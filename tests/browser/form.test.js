// The offline HTML questionnaire in a real browser (headless Chromium through playwright-core):
// answers are filled in, questions hide and show with their ask_when, inputs are checked as they
// are typed, the answers are downloaded and `hegui validate` / `hegui assess` take the file
// unchanged; a saved file loads back. Needs the Debian package `chromium` and a built hegui
// (HEGUI_BIN, default target/debug/hegui). Run: node --test tests/browser/form.test.js
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const path = require("node:path");
const fs = require("node:fs");
const os = require("node:os");
const { execFileSync, spawnSync } = require("node:child_process");
const { chromium } = require("playwright-core");

const root = path.join(__dirname, "..", "..");
const bin = process.env.HEGUI_BIN || path.join(root, "target", "debug", "hegui");
const chromePath = process.env.CHROMIUM || "/usr/bin/chromium";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hegui-form-"));

function hegui(args) {
  const r = spawnSync(bin, args, { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function findings(file) {
  const r = hegui(["assess", file, "--format", "json"]);
  assert.strictEqual(r.code, 0, r.err);
  // Result /2: one entry per pack in `packs` (docs/RESULT.md).
  const all = JSON.parse(r.out).packs.flatMap((p) => p.findings);
  assert.ok(all.length > 0, "no findings: the result's shape changed?");
  return all;
}

let browser;
test.before(async () => {
  execFileSync(bin, ["--version"]);
  browser = await chromium.launch({
    executablePath: chromePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});
test.after(async () => {
  if (browser) await browser.close();
});

async function open(html) {
  const context = await browser.newContext({ acceptDownloads: true, offline: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) errors.push("network: " + r.url());
  });
  await page.goto("file://" + html);
  return { page, errors };
}

async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const file = path.join(tmp, name);
  await dl.saveAs(file);
  return file;
}

const top = (id) => `.section > .q[data-q="${id}"]`;
const hidden = (page, sel) => page.$eval(sel, (el) => el.hidden || el.closest("[hidden]") !== null);

test("a prefilled page downloads answers that assess exactly like the fixture", async () => {
  for (const company of ["news-app", "ride-hailing", "half-blank"]) {
    const fixture = path.join(root, "fixtures", "companies", company + ".yaml");
    const html = path.join(tmp, company + ".html");
    const r = hegui(["questionnaire", "--format", "html", "--lang", "zh", "--answers", fixture, "-o", html]);
    assert.strictEqual(r.code, 0, r.err);
    const { page, errors } = await open(html);
    const file = await download(page, company + ".json");
    const v = hegui(["validate", file]);
    assert.strictEqual(v.code, 0, v.err);
    assert.deepStrictEqual(findings(file), findings(fixture), company);
    assert.deepStrictEqual(errors, []);
    await page.context().close();
  }
});

test("filling in by hand: hidden questions, checks as you type, items, download, load", async () => {
  const html = path.join(tmp, "blank.html");
  const r = hegui(["questionnaire", "--format", "html", "--date", "2026-05-20", "-o", html]);
  assert.strictEqual(r.code, 0, r.err);
  const { page, errors } = await open(html);

  await page.fill('[data-field="organisation.name"]', "哈尔滨测试科技有限公司");
  // The credit code is checked as it is typed.
  await page.fill('[data-field="organisation.credit_code"]', "91230103MA1CK4T715");
  assert.match(await page.textContent('[data-field-block="organisation.credit_code"] .err'), /统一社会信用代码|credit code/);
  await page.fill('[data-field="organisation.credit_code"]', "91230103MA1CK4T714");
  assert.strictEqual(await page.textContent('[data-field-block="organisation.credit_code"] .err'), "");

  await page.check(`${top("scope.heilongjiang")} input[value="true"]`);
  // Unanswered scoping question: the dependent question is shown; "no" hides it.
  assert.strictEqual(await hidden(page, top("org.sensitive_pi")), false);
  await page.check(`${top("org.processes_pi")} input[value="false"]`);
  assert.strictEqual(await hidden(page, top("org.sensitive_pi")), true);
  await page.check(`${top("org.processes_pi")} input[value="true"]`);
  assert.strictEqual(await hidden(page, top("org.sensitive_pi")), false);
  await page.check(`${top("org.sensitive_pi")} input[value="false"]`);

  // Exclusive option: "none" clears the others and hides the groups it rules out.
  await page.check(`${top("org.channels")} input[value="website"]`);
  await page.check(`${top("org.channels")} input[value="none"]`);
  assert.strictEqual(await page.isChecked(`${top("org.channels")} input[value="website"]`), false);
  assert.strictEqual(await hidden(page, '.group[data-group="apps"]'), true);
  await page.check(`${top("org.channels")} input[value="app"]`);
  assert.strictEqual(await page.isChecked(`${top("org.channels")} input[value="none"]`), false);
  assert.strictEqual(await hidden(page, '.group[data-group="apps"]'), false);
  assert.strictEqual(await hidden(page, '.group[data-group="websites"]'), true);

  // Items of a repeatable group; a member's ask_when reads its own item.
  const apps = '.group[data-group="apps"]';
  await page.click(`${apps} .add-item`);
  await page.click(`${apps} .add-item`);
  await page.click(`${apps} .add-item`);
  assert.strictEqual((await page.$$(`${apps} .items > .item`)).length, 3);
  await page.click(`${apps} .items > .item:nth-child(3) .remove-item`);
  assert.strictEqual((await page.$$(`${apps} .items > .item`)).length, 2);
  const item = (n) => `${apps} .items > .item:nth-child(${n})`;
  await page.fill(`${item(1)} .q[data-m="name"] input.value`, "测试App");
  await page.check(`${item(1)} .q[data-m="has_accounts"] input[value="true"]`);
  await page.check(`${item(1)} .q[data-m="interactive"] input[value="true"]`);
  await page.check(`${item(1)} .q[data-m="identity_check"] input[value="mobile_verification"]`);
  await page.check(`${item(1)} .q[data-m="filed"] input[value="true"]`);
  await page.fill(`${item(1)} .q[data-m="filing_number"] input.value`, "黑ICP备00000001号-1A");
  await page.fill(`${item(2)} .q[data-m="name"] input.value`, "工具App");
  await page.check(`${item(2)} .q[data-m="has_accounts"] input[value="false"]`);
  // Posting is asked whatever the accounts (an anonymous posting service is the worst case);
  // the identity check only where users have accounts and post.
  assert.strictEqual(await hidden(page, `${item(2)} .q[data-m="interactive"]`), false);
  assert.strictEqual(await hidden(page, `${item(2)} .q[data-m="identity_check"]`), true);
  assert.strictEqual(await hidden(page, `${item(1)} .q[data-m="identity_check"]`), false);
  await page.check(`${item(2)} .q[data-m="filed"] input[value="false"]`);
  assert.strictEqual(await hidden(page, `${item(2)} .q[data-m="filing_number"]`), true);

  // Numbers are checked as they are typed; 不清楚 and remarks are kept.
  const months = top("security.log_retention_months");
  await page.fill(`${months} input.value`, "六个月");
  assert.match(await page.textContent(`${months} .err`), /整数|whole number/);
  await page.fill(`${months} input.value`, "700");
  assert.match(await page.textContent(`${months} .err`), /600/);
  await page.fill(`${months} input.value`, "6");
  assert.strictEqual(await page.textContent(`${months} .err`), "");
  await page.check(`${top("security.incident_plan")} input[value="dont_know"]`);
  await page.click(`${top("security.incident_plan")} details.remark summary`);
  await page.fill(`${top("security.incident_plan")} textarea`, "预案在修订中");
  await page.selectOption(`${top("security.graded_filing")} select`, "filed");

  const file = await download(page, "hand.json");
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.strictEqual(doc.pack.id, "hlj-2017-mobile-internet");
  assert.strictEqual(doc.assessment_date, "2026-05-20");
  assert.strictEqual(doc.organisation.credit_code, "91230103MA1CK4T714");
  assert.deepStrictEqual(doc.answers["org.channels"], ["app"]);
  assert.strictEqual(doc.answers["security.log_retention_months"], 6);
  assert.deepStrictEqual(doc.answers["security.incident_plan"], { dont_know: true, remark: "预案在修订中" });
  assert.deepStrictEqual(doc.answers.apps, [
    { name: "测试App", has_accounts: true, interactive: true, identity_check: ["mobile_verification"], filed: true, filing_number: "黑ICP备00000001号-1A" },
    { name: "工具App", has_accounts: false, filed: false },
  ]);
  const v = hegui(["validate", file]);
  assert.strictEqual(v.code, 0, v.err);
  assert.doesNotMatch(v.err, /not asked/);
  const f = findings(file);
  const byId = Object.fromEntries(f.map((x) => [x.rule_id, x.outcome]));
  assert.strictEqual(byId["security.network-logs"], "pass");
  assert.strictEqual(byId["security.incident-plan"], "unanswered");

  // Load the saved file into a blank page and save again: the same answers.
  const again = await open(html);
  await again.page.setInputFiles("#load", file);
  await again.page.waitForFunction(() => /已载入|loaded/.test(document.getElementById("status").textContent));
  assert.strictEqual(await hidden(again.page, top("org.sensitive_pi")), false);
  assert.strictEqual(await hidden(again.page, `${apps} .items > .item:nth-child(2) .q[data-m="identity_check"]`), true);
  const file2 = await download(again.page, "hand-again.json");
  assert.deepStrictEqual(JSON.parse(fs.readFileSync(file2, "utf8")), doc);
  assert.deepStrictEqual(errors.concat(again.errors), []);
  await page.context().close();
  await again.page.context().close();
});

test("a date question that allows a month takes 2025-09 as written; a year is refused", async () => {
  const html = path.join(tmp, "months.html");
  const r = hegui(["questionnaire", "--format", "html", "--date", "2026-05-20", "-o", html]);
  assert.strictEqual(r.code, 0, r.err);
  const { page, errors } = await open(html);
  await page.fill('[data-field="organisation.name"]', "哈尔滨测试科技有限公司");
  const features = '.group[data-group="features"]';
  await page.click(`${features} .add-item`);
  const item = `${features} .items > .item:nth-child(1)`;
  await page.fill(`${item} .q[data-m="name"] input.value`, "直播打赏");
  const launch = `${item} .q[data-m="launch_date"]`;
  // A text field (a browser date picker cannot hold a month alone).
  assert.strictEqual(await page.getAttribute(`${launch} input.value`, "type"), "text");
  await page.fill(`${launch} input.value`, "2025");
  assert.match(await page.textContent(`${launch} .err`), /YYYY-MM/);
  await page.fill(`${launch} input.value`, "2025-13");
  assert.match(await page.textContent(`${launch} .err`), /YYYY-MM/);
  await page.fill(`${launch} input.value`, "2026-06");
  assert.match(await page.textContent(`${launch} .err`), /评估基准日|assessment date/);
  await page.fill(`${launch} input.value`, "2025-09");
  assert.strictEqual(await page.textContent(`${launch} .err`), "");
  await page.check(`${item} .q[data-m="assessed"] input[value="true"]`);
  await page.fill(`${item} .q[data-m="security_assessment_date"] input.value`, "2025-09-10");
  const file = await download(page, "months.json");
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.strictEqual(doc.answers.features[0].launch_date, "2025-09");
  assert.strictEqual(doc.answers.features[0].security_assessment_date, "2025-09-10");
  const v = hegui(["validate", file]);
  assert.strictEqual(v.code, 0, v.err);
  // Loaded back into a page it stays as written.
  const again = await open(html);
  await again.page.setInputFiles("#load", file);
  await again.page.waitForFunction(() => /已载入|loaded/.test(document.getElementById("status").textContent));
  assert.strictEqual(await again.page.inputValue(`${launch} input.value`), "2025-09");
  const file2 = await download(again.page, "months-again.json");
  assert.deepStrictEqual(JSON.parse(fs.readFileSync(file2, "utf8")), doc);
  assert.deepStrictEqual(again.errors, []);
  await again.page.context().close();
  assert.deepStrictEqual(errors, []);
  await page.context().close();
});

test("the answered-questions counter fills every placeholder of its bilingual label", async () => {
  const html = path.join(tmp, "both.html");
  const r = hegui(["questionnaire", "--format", "html", "--lang", "both", "--date", "2026-05-20", "-o", html]);
  assert.strictEqual(r.code, 0, r.err);
  const { page, errors } = await open(html);
  const status = () => page.textContent("#status");
  await page.waitForFunction(() => document.getElementById("status").textContent !== "");
  assert.strictEqual(await status(), "已回答 0 题 0 questions answered");
  await page.fill('[data-field="organisation.name"]', "哈尔滨测试科技有限公司");
  await page.check(`${top("scope.heilongjiang")} input[value="true"]`);
  await page.waitForFunction(() => !/ 0 题/.test(document.getElementById("status").textContent));
  const text = await status();
  assert.doesNotMatch(text, /\{\}/);
  assert.match(text, /^已回答 (\d+) 题 \1 questions answered$/);
  assert.deepStrictEqual(errors, []);
  await page.context().close();
});
