// hegui questionnaire: the condition evaluator of the offline HTML form.
//
// A second implementation of the engine's semantics (docs/SEMANTICS.md S8–S15): strong Kleene
// logic over answers in the facts-file form. It only decides which questions are shown; hegui
// validate / assess stay the authority on what comes back. It is tested against the shared
// vectors tests/browser/vectors.json, generated from the Rust evaluator
// (tests/questionnaire_vectors.rs) and checked by tests/browser/eval.test.js.
//
// Conditions are the JSON form written by hegui (questionnaire::condition_json):
//   {all: [..]} {any: [..]} {not: c} {every|some: {group, where?, check}}
//   {q, op, value | question | days | answered, date?}   (date: a comparison of dates, which
//   may be a month YYYY-MM or a year YYYY: three-valued over the days they cover)
// A context is {answers, date: "YYYY-MM-DD", item: null | {group, index}}.
(function (root) {
  "use strict";

  var T = "true";
  var F = "false";
  var U = "unknown";
  var DONT_KNOW = ["不清楚", "dont_know"];

  function not(t) {
    return t === T ? F : t === F ? T : U;
  }
  function and(a, b) {
    if (a === F || b === F) return F;
    if (a === T && b === T) return T;
    return U;
  }
  function or(a, b) {
    if (a === T || b === T) return T;
    if (a === F && b === F) return F;
    return U;
  }
  function truth(b) {
    return b ? T : F;
  }

  // "apps[*].name" -> {group: "apps", member: "name"}
  function member(id) {
    var m = /^([a-z][a-z0-9_]*)\[\*\]\.(.+)$/.exec(id);
    return m ? { group: m[1], member: m[2] } : null;
  }

  // An answer in the facts-file form -> {kind: "none" | "dk" | "value", v}
  function state(raw) {
    if (raw === undefined || raw === null) return { kind: "none" };
    if (typeof raw === "string") {
      var t = raw.trim();
      if (DONT_KNOW.indexOf(t) >= 0) return { kind: "dk" };
      if (t === "") return { kind: "none" };
      return { kind: "value", v: raw };
    }
    if (typeof raw === "object" && !Array.isArray(raw)) {
      if (raw.dont_know === true) return { kind: "dk" };
      return state(raw.value);
    }
    return { kind: "value", v: raw };
  }

  function lookup(ctx, id) {
    var m = member(id);
    var answers = ctx.answers || {};
    if (!m) return state(answers[id]);
    if (!ctx.item || ctx.item.group !== m.group) return { kind: "none" };
    var items = answers[m.group];
    if (!Array.isArray(items)) return { kind: "none" };
    var item = items[ctx.item.index];
    if (!item || typeof item !== "object") return { kind: "none" };
    return state(item[m.member]);
  }

  // Days since 1970-01-01 of an ISO date, by arithmetic (no Date pitfalls).
  function days(iso) {
    var m = /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(String(iso));
    if (!m) return NaN;
    var y = parseInt(m[1], 10);
    var mo = parseInt(m[2], 10);
    var d = parseInt(m[3], 10);
    y -= mo <= 2 ? 1 : 0;
    var era = Math.floor(y / 400);
    var yoe = y - era * 400;
    var doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  }

  // A date answer as the days it covers, [first, last]: one day for YYYY-MM-DD, every day of
  // the month for YYYY-MM, of the year for YYYY (docs/SEMANTICS.md S26); null if not a date.
  function span(v) {
    var t = String(v).trim();
    var m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(t);
    if (!m) return null;
    var y = parseInt(m[1], 10);
    var first, last;
    if (m[3] !== undefined) {
      first = days(t);
      last = first;
    } else if (m[2] !== undefined) {
      var mo = parseInt(m[2], 10);
      if (mo < 1 || mo > 12) return null;
      first = days(m[1] + "-" + m[2] + "-01");
      last = (mo === 12 ? days((y + 1) + "-01-01") : days(m[1] + "-" + (mo < 9 ? "0" : "") + (mo + 1) + "-01")) - 1;
    } else {
      first = days(m[1] + "-01-01");
      last = days(m[1] + "-12-31");
    }
    return isNaN(first) || isNaN(last) ? null : [first, last];
  }

  // True when every day (pair of days) satisfies, false when none does, else unknown.
  function three(every, none) {
    return every ? T : none ? F : U;
  }

  function compareDates(a, op, b) {
    var x = span(a);
    var y = span(b);
    if (!x || !y) return U;
    var a1 = x[0], a2 = x[1], b1 = y[0], b2 = y[1];
    var eq = three(a1 === a2 && b1 === b2 && a1 === b1, a2 < b1 || b2 < a1);
    switch (op) {
      case "equals":
        return eq;
      case "not_equals":
        return not(eq);
      case "lt":
      case "before":
        return three(a2 < b1, a1 >= b2);
      case "le":
      case "on_or_before":
        return three(a2 <= b1, a1 > b2);
      case "gt":
      case "after":
        return three(a1 > b2, a2 <= b1);
      case "ge":
      case "on_or_after":
        return three(a1 >= b2, a2 < b1);
      default:
        return U;
    }
  }

  function sameSet(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (b.indexOf(a[i]) < 0) return false;
    for (var j = 0; j < b.length; j++) if (a.indexOf(b[j]) < 0) return false;
    return true;
  }

  function equal(a, b) {
    if (Array.isArray(a) && Array.isArray(b)) return sameSet(a, b);
    return a === b;
  }

  function order(a, b) {
    if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
    return null;
  }

  function compare(a, op, b) {
    var o;
    switch (op) {
      case "equals":
        return truth(equal(a, b));
      case "not_equals":
        return truth(!equal(a, b));
      case "any_of":
        if (!Array.isArray(b)) return U;
        if (Array.isArray(a)) return truth(a.some(function (x) { return b.indexOf(x) >= 0; }));
        return truth(b.indexOf(a) >= 0);
      case "all_of":
        if (!Array.isArray(a) || !Array.isArray(b)) return U;
        return truth(b.every(function (x) { return a.indexOf(x) >= 0; }));
      case "none_of":
        if (!Array.isArray(b)) return U;
        if (Array.isArray(a)) return truth(!a.some(function (x) { return b.indexOf(x) >= 0; }));
        return truth(b.indexOf(a) < 0);
      case "lt":
      case "before":
        return truth(order(a, b) === -1);
      case "le":
      case "on_or_before":
        o = order(a, b);
        return truth(o === -1 || o === 0);
      case "gt":
      case "after":
        return truth(order(a, b) === 1);
      case "ge":
      case "on_or_after":
        o = order(a, b);
        return truth(o === 1 || o === 0);
      default:
        return U;
    }
  }

  function leaf(c, ctx) {
    var lhs = lookup(ctx, c.q);
    if (c.op === "answered") return truth((lhs.kind === "value") === (c.answered === true));
    if (lhs.kind !== "value") return U;
    var cmp = c.date === true ? compareDates : compare;
    if (Object.prototype.hasOwnProperty.call(c, "question")) {
      var rhs = lookup(ctx, c.question);
      return rhs.kind === "value" ? cmp(lhs.v, c.op, rhs.v) : U;
    }
    if (c.op === "within_days") {
      var d = span(lhs.v);
      var date = days(ctx.date);
      if (!d || isNaN(date)) return U;
      var from = date - c.days;
      return three(d[0] >= from && d[1] <= date, d[1] < from || d[0] > date);
    }
    return cmp(lhs.v, c.op, c.value);
  }

  function quantifier(every, body, ctx) {
    var items = (ctx.answers || {})[body.group];
    if (!Array.isArray(items)) return U;
    var acc = every ? T : F;
    for (var i = 0; i < items.length; i++) {
      var ictx = { answers: ctx.answers, date: ctx.date, item: { group: body.group, index: i } };
      var f = body.where ? evaluate(body.where, ictx) : T;
      var ck = evaluate(body.check, ictx);
      var t = every ? or(not(f), ck) : and(f, ck);
      acc = every ? and(acc, t) : or(acc, t);
    }
    return acc;
  }

  function evaluate(c, ctx) {
    var acc, i;
    if (c.all) {
      acc = T;
      for (i = 0; i < c.all.length; i++) acc = and(acc, evaluate(c.all[i], ctx));
      return acc;
    }
    if (c.any) {
      acc = F;
      for (i = 0; i < c.any.length; i++) acc = or(acc, evaluate(c.any[i], ctx));
      return acc;
    }
    if (c.not) return not(evaluate(c.not, ctx));
    if (c.every) return quantifier(true, c.every, ctx);
    if (c.some) return quantifier(false, c.some, ctx);
    if (typeof c.q === "string") return leaf(c, ctx);
    return U;
  }

  var api = { evaluate: evaluate, state: state, days: days, span: span };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.HeguiEval = api;
})(this);
