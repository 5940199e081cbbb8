// hegui questionnaire: the offline HTML form. Reads the page data (#hegui-data), shows the
// right questions (ask_when through HeguiEval), checks answers as they are typed, manages the
// items of repeatable groups, and saves / loads answers as a facts file (JSON).
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("hegui-data").textContent);
  var E = window.HeguiEval;
  var L = DATA.labels;
  var DONT_KNOW = ["不清楚", "dont_know"];
  var counter = 0;
  var state = { answers: {}, problems: [], leftOut: 0, waivers: [] };

  function one(sel, el) {
    return (el || document).querySelector(sel);
  }
  function all(sel, el) {
    return Array.prototype.slice.call((el || document).querySelectorAll(sel));
  }
  function fmt(s, x) {
    return String(s).replace("{}", x);
  }
  function own(el, sel) {
    // Elements under `el` that belong to it, not to a nested question block.
    return all(sel, el).filter(function (x) {
      return x.closest(".q") === el;
    });
  }

  function field(key) {
    return one('[data-field="' + key + '"]');
  }
  function assessmentDate() {
    return field("assessment_date").value;
  }

  function isDate(s) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
    var y = +s.slice(0, 4), m = +s.slice(5, 7), d = +s.slice(8, 10);
    var dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return m >= 1 && m <= 12 && d >= 1 && d <= dim[m - 1];
  }

  // Unified social credit code (GB 32100): 18 characters, check character last.
  function creditCodeOk(code) {
    var A = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    var W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    if (code.length !== 18) return false;
    var sum = 0;
    for (var i = 0; i < 17; i++) {
      var v = A.indexOf(code[i]);
      if (v < 0) return false;
      sum += v * W[i];
    }
    return A[(31 - (sum % 31)) % 31] === code[17];
  }

  // One question block -> {value, dk, error, remark, evidence}
  function read(block, date) {
    var type = block.dataset.type;
    var q = DATA.questions[block.dataset.q] || {};
    var res = { value: undefined, dk: false, error: null };
    if (type === "yes_no") {
      var r = own(block, "input[type=radio]").filter(function (x) { return x.checked; })[0];
      if (r) {
        if (r.value === "dont_know") res.dk = true;
        else res.value = r.value === "true";
      }
    } else if (type === "single_choice") {
      var s = own(block, "select")[0].value;
      if (s === "dont_know") res.dk = true;
      else if (s) res.value = s;
    } else if (type === "multiple_choice") {
      var ids = own(block, "input[type=checkbox]").filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
      if (ids.indexOf("dont_know") >= 0) {
        res.dk = true;
      } else if (ids.length) {
        res.value = ids;
        (q.exclusive || []).forEach(function (o) {
          if (ids.indexOf(o.id) >= 0 && ids.length > 1) res.error = fmt(L.exclusive, o.label);
        });
      }
    } else {
      var input = own(block, "input.value")[0];
      var dk = own(block, "input.dk")[0];
      input.disabled = dk.checked;
      if (dk.checked) {
        res.dk = true;
      } else if (type === "date" && input.validity && input.validity.badInput) {
        res.error = L.date;
      } else {
        var t = input.value;
        var tt = t.trim();
        if (tt !== "") {
          if (type === "integer") {
            if (/^[+-]?\d+$/.test(tt)) res.value = parseInt(tt, 10);
            else res.error = L.integer;
          } else if (type === "decimal") {
            if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(tt)) res.value = parseFloat(tt);
            else res.error = L.decimal;
          } else if (type === "date") {
            if (!isDate(tt)) res.error = L.date;
            else if (q.past_event && isDate(date) && tt > date) res.error = tt + " " + L.after_date;
            else res.value = tt;
          } else {
            res.value = t;
          }
          if (typeof res.value === "number") {
            if (q.min !== undefined && res.value < q.min) { res.error = fmt(L.below, q.min); res.value = undefined; }
            else if (q.max !== undefined && res.value > q.max) { res.error = fmt(L.above, q.max); res.value = undefined; }
          }
        }
      }
    }
    if (res.error) res.value = undefined;
    var rm = own(block, "textarea")[0];
    res.remark = rm && rm.value.trim() ? rm.value.trim() : null;
    res.evidence = block._evidence && block._evidence.length ? block._evidence : null;
    return res;
  }

  // The answer in the facts-file form, or undefined.
  function answerJson(res) {
    var plain = res.dk ? "不清楚" : res.value;
    if (!res.remark && !res.evidence) return plain;
    var o = {};
    if (res.dk) o.dont_know = true;
    else if (plain !== undefined) o.value = plain;
    if (res.remark) o.remark = res.remark;
    if (res.evidence) o.evidence = res.evidence;
    return o;
  }

  function showError(el, msg) {
    var err = own(el, ".err")[0] || one(".err", el);
    if (err) err.textContent = msg || "";
    el.classList.toggle("invalid", !!msg);
  }

  function visible(cond, answers, date, item) {
    return !cond || E.evaluate(cond, { answers: answers, date: date, item: item }) !== "false";
  }

  function topBlock(id) {
    return all('.section > .q[data-q="' + id + '"]')[0];
  }
  function groupEl(id) {
    return one('.group[data-group="' + id + '"]');
  }

  function recompute() {
    var date = assessmentDate();
    var eff = {};
    var problems = [];
    var leftOut = 0;
    function note(block, id, res, shown) {
      showError(block, shown ? res.error : null);
      if (shown && res.error) {
        problems.push(id + ": " + res.error);
        leftOut++;
      }
    }
    DATA.order.forEach(function (entry) {
      if (entry.question) {
        var id = entry.question;
        var q = DATA.questions[id];
        var block = topBlock(id);
        if (!block) return;
        var shown = visible(q.ask_when, eff, date, null);
        block.hidden = !shown;
        var res = read(block, date);
        note(block, id, res, shown);
        if (!shown) return;
        var a = answerJson(res);
        if (a !== undefined) eff[id] = a;
        return;
      }
      var gid = entry.group;
      var g = DATA.groups[gid];
      var gel = groupEl(gid);
      var gshown = visible(g.ask_when, eff, date, null);
      gel.hidden = !gshown;
      var itemEls = all(".items > .item", gel);
      var none = one(".none-items", gel).checked;
      var gerr = none && itemEls.length ? L.none_and_items : null;
      one(":scope > .err", gel).textContent = gshown && gerr ? gerr : "";
      if (gshown && gerr) problems.push(gid + ": " + gerr);
      var list = [];
      itemEls.forEach(function (itemEl, n) {
        one(".item-no", itemEl).textContent = fmt(L.item, n + 1);
        var cur = {};
        g.members.forEach(function (local) {
          var qid = gid + "[*]." + local;
          var q = DATA.questions[qid];
          var block = all('.q[data-m="' + local + '"]', itemEl)[0];
          if (!block) return;
          var ctx = Object.assign({}, eff);
          ctx[gid] = list.concat([cur]);
          var shown = visible(q.ask_when, ctx, date, { group: gid, index: list.length });
          block.hidden = !shown;
          var res = read(block, date);
          note(block, qid + " #" + (n + 1), res, shown && gshown);
          if (!shown) return;
          var a = answerJson(res);
          if (a !== undefined) cur[local] = a;
        });
        if (Object.keys(cur).length) list.push(cur);
      });
      if (!gshown) return;
      if (none && !itemEls.length) eff[gid] = [];
      else if (list.length) eff[gid] = list;
    });
    all("[data-field]").forEach(function (input) {
      var key = input.dataset.field;
      var v = input.value.trim();
      var msg = null;
      if (key === "organisation.credit_code" && v && !creditCodeOk(v)) msg = L.credit_code;
      if (key === "organisation.region_code" && v && !/^\d{6}$/.test(v)) msg = L.region_code;
      if (key === "assessment_date" && !isDate(v)) msg = L.need_date;
      var block = input.closest(".field");
      showError(block, msg);
      if (msg) problems.push(key + ": " + msg);
    });
    state.answers = eff;
    state.problems = problems;
    state.leftOut = leftOut;
    var box = document.getElementById("problems");
    box.textContent = "";
    if (problems.length) {
      var h = document.createElement("strong");
      h.textContent = L.problems + " (" + problems.length + ")";
      box.appendChild(h);
      var ul = document.createElement("ul");
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p;
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    document.getElementById("status").textContent = fmt(L.answered, countAnswers(eff));
  }

  function countAnswers(eff) {
    var n = 0;
    Object.keys(eff).forEach(function (k) {
      n += Array.isArray(eff[k]) ? Math.max(1, eff[k].length) : 1;
    });
    return n;
  }

  function setPath(obj, path, v) {
    var parts = path.split(".");
    var o = obj;
    for (var i = 0; i < parts.length - 1; i++) {
      if (!o[parts[i]] || typeof o[parts[i]] !== "object") o[parts[i]] = {};
      o = o[parts[i]];
    }
    o[parts[parts.length - 1]] = v;
  }
  function getPath(obj, path) {
    return path.split(".").reduce(function (o, k) {
      return o && typeof o === "object" ? o[k] : undefined;
    }, obj);
  }

  // The facts file: pack, organisation, people, date, answers (as shown), waivers (kept).
  function factsDoc() {
    recompute();
    // Several packs: facts format 2 lists them all.
    var doc = DATA.packs
      ? { format: "hegui.facts/2", packs: DATA.packs, organisation: { name: "" } }
      : { pack: DATA.pack, organisation: { name: "" } };
    all("[data-field]").forEach(function (input) {
      var v = input.value.trim();
      if (v && input.dataset.field !== "assessment_date") setPath(doc, input.dataset.field, v);
    });
    doc.assessment_date = assessmentDate() || null;
    doc.answers = state.answers;
    if (state.waivers.length) doc.waivers = state.waivers;
    return doc;
  }

  function download() {
    var doc = factsDoc();
    var blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "answers-" + DATA.pack.id + ".json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    var msg = L.saved;
    if (state.leftOut) msg += "; " + state.leftOut + " " + L.left_out;
    document.getElementById("status").textContent = msg;
  }

  function addItem(gel) {
    var tpl = one("template.item-template", gel);
    counter++;
    var wrap = document.createElement("div");
    wrap.innerHTML = tpl.innerHTML.replace(/__N__/g, String(counter));
    var item = wrap.firstElementChild;
    one(".items", gel).appendChild(item);
    return item;
  }

  function clearBlock(block) {
    own(block, "input").forEach(function (i) {
      if (i.type === "radio" || i.type === "checkbox") i.checked = false;
      else i.value = "";
      i.disabled = false;
    });
    own(block, "select").forEach(function (s) { s.value = ""; });
    own(block, "textarea").forEach(function (t) { t.value = ""; });
    block._evidence = null;
    own(block, ".evidence")[0].textContent = "";
  }

  function setBlock(block, raw) {
    clearBlock(block);
    var value = raw, dk = false, remark = null, evidence = null;
    if (raw && typeof raw === "object" && !Array.isArray(raw)) {
      value = raw.value;
      dk = raw.dont_know === true;
      remark = raw.remark || null;
      evidence = raw.evidence || null;
    }
    if (typeof value === "string" && DONT_KNOW.indexOf(value.trim()) >= 0) dk = true;
    var type = block.dataset.type;
    if (type === "yes_no") {
      var want = dk ? "dont_know" : value === true || value === "是" || value === "true" ? "true" : value === false || value === "否" || value === "false" ? "false" : null;
      own(block, "input[type=radio]").forEach(function (r) { r.checked = r.value === want; });
    } else if (type === "single_choice") {
      own(block, "select")[0].value = dk ? "dont_know" : value == null ? "" : String(value);
    } else if (type === "multiple_choice") {
      var ids = dk ? ["dont_know"] : Array.isArray(value) ? value : [];
      own(block, "input[type=checkbox]").forEach(function (c) { c.checked = ids.indexOf(c.value) >= 0; });
    } else {
      own(block, "input.dk")[0].checked = dk;
      own(block, "input.value")[0].value = dk || value == null ? "" : String(value);
    }
    if (remark) own(block, "textarea")[0].value = remark;
    if (evidence && evidence.length) {
      block._evidence = evidence;
      own(block, ".evidence")[0].textContent = fmt(L.evidence, evidence.length);
    }
  }

  function applyFacts(doc) {
    var notes = [];
    all(".items").forEach(function (el) { el.textContent = ""; });
    all(".none-items").forEach(function (c) { c.checked = false; });
    all(".section > .q").forEach(clearBlock);
    all("[data-field]").forEach(function (input) {
      var v = getPath(doc, input.dataset.field);
      input.value = v == null ? "" : String(v);
    });
    if (doc.pack && doc.pack.id !== DATA.pack.id) notes.push(L.other_pack + ": " + doc.pack.id);
    var answers = doc.answers && typeof doc.answers === "object" ? doc.answers : {};
    var unknown = [];
    Object.keys(answers).forEach(function (id) {
      var raw = answers[id];
      if (DATA.groups[id]) {
        var gel = groupEl(id);
        if (Array.isArray(raw) && raw.length === 0) one(".none-items", gel).checked = true;
        (Array.isArray(raw) ? raw : []).forEach(function (it) {
          var item = addItem(gel);
          Object.keys(it || {}).forEach(function (local) {
            var block = all('.q[data-m="' + local + '"]', item)[0];
            if (block) setBlock(block, it[local]);
            else unknown.push(id + "[*]." + local);
          });
        });
      } else if (DATA.questions[id] && topBlock(id)) {
        setBlock(topBlock(id), raw);
      } else {
        unknown.push(id);
      }
    });
    state.waivers = Array.isArray(doc.waivers) ? doc.waivers : [];
    if (unknown.length) notes.push(L.unknown + ": " + unknown.join(", "));
    if (state.waivers.length) notes.push(fmt(L.waivers, state.waivers.length));
    recompute();
    document.getElementById("status").textContent = [L.loaded].concat(notes).join("; ");
  }

  document.addEventListener("input", recompute);
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    // Exclusive options (and 不清楚) clear the others, and the others clear them.
    if (t.type === "checkbox" && t.checked && t.closest(".q") && t.closest(".q").dataset.type === "multiple_choice") {
      var block = t.closest(".q");
      var q = DATA.questions[block.dataset.q] || {};
      var excl = (q.exclusive || []).map(function (o) { return o.id; }).concat(["dont_know"]);
      var boxes = own(block, "input[type=checkbox]");
      if (excl.indexOf(t.value) >= 0) boxes.forEach(function (b) { if (b !== t) b.checked = false; });
      else boxes.forEach(function (b) { if (excl.indexOf(b.value) >= 0) b.checked = false; });
    }
    recompute();
  });
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.classList.contains("add-item")) {
      var gel = t.closest(".group");
      one(".none-items", gel).checked = false;
      addItem(gel);
      recompute();
    } else if (t.classList.contains("remove-item")) {
      t.closest(".item").remove();
      recompute();
    } else if (t.classList.contains("clear")) {
      clearBlock(t.closest(".q"));
      recompute();
    }
  });
  document.getElementById("download").addEventListener("click", download);
  document.getElementById("load").addEventListener("change", function (ev) {
    var file = ev.target.files && ev.target.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var doc;
      try {
        doc = JSON.parse(String(reader.result).replace(/^\uFEFF/, ""));
      } catch (e) {
        doc = null;
      }
      if (!doc || typeof doc !== "object") {
        document.getElementById("status").textContent = L.bad_file;
        return;
      }
      applyFacts(doc);
    };
    reader.readAsText(file);
    ev.target.value = "";
  });
  if (DATA.initial) applyFacts(DATA.initial);
  else recompute();
  window.HeguiForm = { facts: factsDoc, load: applyFacts };
})();
