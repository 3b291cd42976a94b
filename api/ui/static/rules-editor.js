// The rules pages: the browser editor of one rule file — CodeMirror 5 with YAML highlighting,
// completion of keys and values from the file's JSON Schema, the server's checks shown as
// markers — and the rollback dialog of the history page. Everything is posted to /api/rules.
(function () {
  "use strict";

  // --- Talking to /api/rules ------------------------------------------------------------------

  async function postJson(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { status: 0, ok: false, data: null };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { status: response.status, ok: response.ok, data: data };
  }

  function problemText(result) {
    if (result.status === 0) return "连接服务器失败，请检查网络后重试。";
    if (result.status === 401) return "登录已过期，请重新登录后再试（您的修改不会自动保存，请先复制一份）。";
    if (result.status === 403) return "只有管理员可以修改规则。";
    if (result.data && result.data.detail) return result.data.detail;
    return "服务器出错（状态 " + result.status + "），请稍后再试。";
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function setFlash(message) {
    document.cookie = "grassroots_flash=" + encodeURIComponent(message) + "; path=/; max-age=60; samesite=strict";
  }

  // --- The JSON Schema along a YAML path ------------------------------------------------------

  function lookup(root, ref) {
    return ref
      .replace(/^#\//, "")
      .split("/")
      .reduce((node, part) => (node ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), root);
  }

  // The concrete schema nodes a node stands for: $ref followed, anyOf/oneOf/allOf branches merged.
  function resolve(root, node) {
    const out = [];
    const seen = new Set();
    (function walk(n) {
      if (!n || typeof n !== "object" || seen.has(n)) return;
      seen.add(n);
      if (n.$ref) walk(lookup(root, n.$ref));
      ["anyOf", "oneOf", "allOf"].forEach((key) => {
        if (Array.isArray(n[key])) n[key].forEach(walk);
      });
      out.push(n);
    })(node);
    return out;
  }

  function children(root, nodes, segment) {
    const out = [];
    nodes.forEach((n) => {
      if (segment === "[]") {
        if (n.items) out.push(...resolve(root, n.items));
      } else if (n.properties && n.properties[segment]) {
        out.push(...resolve(root, n.properties[segment]));
      } else if (n.additionalProperties && typeof n.additionalProperties === "object") {
        out.push(...resolve(root, n.additionalProperties));
      }
    });
    return out;
  }

  function schemaAt(root, path) {
    return path.reduce((nodes, segment) => children(root, nodes, segment), resolve(root, root));
  }

  function shortHelp(node, root) {
    const text = resolve(root, node).map((n) => n.description || "").find((d) => d) || "";
    const first = text.split(/[。(（\n]/)[0].trim();
    return first.length > 40 ? first.slice(0, 40) + "…" : first;
  }

  // --- Where the cursor is in the YAML --------------------------------------------------------

  const KEY = /^("[^"]*"|'[^']*'|[^\s:#"'][^:#]*?)\s*:(?:\s+|$)(.*)$/;

  // One line: its indentation, the columns of its "- " markers, where its content starts, its key.
  function lineInfo(text) {
    const m = /^( *)((?:- +)*)(.*)$/.exec(text);
    const lead = m[1].length;
    const dashes = [];
    for (let i = 0; i < m[2].length; i++) if (m[2][i] === "-") dashes.push(lead + i);
    const body = m[3];
    const key = KEY.exec(body);
    return {
      dashes: dashes,
      column: lead + m[2].length,
      body: body,
      key: key ? key[1].replace(/^["']|["']$/g, "") : null,
    };
  }

  // The path of mappings and lists ("[]") that the cursor's line belongs to, and what is typed.
  function cursorContext(cm, pos) {
    const info = lineInfo(cm.getLine(pos.line).slice(0, pos.ch));
    const key = KEY.exec(info.body);
    let path = info.dashes.map(() => "[]");
    let threshold = info.dashes.length ? info.dashes[0] : info.column;
    for (let n = pos.line - 1; n >= 0 && threshold > 0; n--) {
      const text = cm.getLine(n);
      if (!text.trim() || /^\s*#/.test(text)) continue;
      const up = lineInfo(text);
      const outer = up.dashes.filter((p) => p < threshold);
      if (up.column < threshold && up.key !== null) {
        path = up.dashes.map(() => "[]").concat([up.key], path);
        threshold = up.dashes.length ? up.dashes[0] : up.column;
      } else if (outer.length) {
        path = outer.map(() => "[]").concat(path);
        threshold = outer[0];
      } else if (up.column < threshold) {
        break;
      }
    }
    if (key) return { mode: "value", path: path.concat([key[1]]), word: key[2] };
    return { mode: "key", path: path, word: info.body, present: siblingKeys(cm, pos.line, info) };
  }

  // Keys already written in the mapping the cursor's line belongs to (not offered again).
  function siblingKeys(cm, lineNo, info) {
    const keys = new Set();
    const col = info.column;
    const visit = (n, upward) => {
      const text = cm.getLine(n);
      if (!text.trim() || /^\s*#/.test(text)) return true;
      const other = lineInfo(text);
      if (other.column < col) return false;
      const startsItem = other.dashes.length && other.dashes[0] < col;
      if (startsItem && !upward) return false;
      if (other.column === col && other.key !== null) keys.add(other.key);
      return !startsItem;
    };
    if (!info.dashes.length) for (let n = lineNo - 1; n >= 0 && visit(n, true); n--);
    for (let n = lineNo + 1; n < cm.lineCount() && visit(n, false); n++);
    return keys;
  }

  function completions(schema, ctx) {
    const nodes = schemaAt(schema, ctx.path);
    const seen = new Set();
    const items = [];
    const add = (text, display) => {
      if (seen.has(text)) return;
      seen.add(text);
      items.push({ text: text, displayText: display });
    };
    if (ctx.mode === "key") {
      nodes.forEach((n) => {
        Object.entries(n.properties || {}).forEach(([name, prop]) => {
          if (ctx.present && ctx.present.has(name)) return;
          const help = shortHelp(prop, schema);
          add(name + ": ", help ? name + "　" + help : name);
        });
      });
    } else {
      nodes.forEach((n) => {
        (n.enum || []).forEach((v) => add(String(v), String(v)));
        if (n.const !== undefined) add(String(n.const), String(n.const));
        if (n.type === "boolean") ["true", "false"].forEach((v) => add(v, v));
        (n.examples || []).forEach((v) => add(String(v), v + "　示例"));
      });
    }
    const word = ctx.word.replace(/^["']/, "");
    return items.filter((item) => item.text.startsWith(word));
  }

  // --- The editor page ------------------------------------------------------------------------

  function editPage(root) {
    const file = root.dataset.file;
    const state = { base: root.dataset.base, schema: null, checked: new Map() };
    const status = document.getElementById("editor-status");
    const errorBox = document.getElementById("rule-errors");
    const dryBox = document.getElementById("dry-run");
    const resultBox = document.getElementById("activate-result");
    const checkButton = document.getElementById("check-button");
    const activateForm = document.getElementById("activate-form");

    fetch("/api/rules/schema/" + encodeURIComponent(file), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((schema) => {
        state.schema = schema;
      });

    function validate(text) {
      if (!state.checked.has(text)) {
        state.checked.clear();
        state.checked.set(text, postJson("/api/rules/validate", { base: state.base, file: file, text: text }));
      }
      return state.checked.get(text);
    }

    function annotations(errors) {
      return errors
        .filter((e) => e.file === file)
        .map((e) => {
          const line = Math.max(0, Math.min(e.line - 1, editor.lineCount() - 1));
          const from = CodeMirror.Pos(line, Math.max(0, e.column - 1));
          let to = editor.findWordAt(from).head;
          if (to.ch <= from.ch) to = CodeMirror.Pos(line, from.ch + 1);
          return { from: from, to: to, severity: "error", message: e.explanation + "\n（" + e.message + "）" };
        });
    }

    const editor = CodeMirror.fromTextArea(document.getElementById("rules-text"), {
      mode: "yaml",
      lineNumbers: true,
      indentUnit: 2,
      tabSize: 2,
      indentWithTabs: false,
      lineWrapping: true,
      viewportMargin: Infinity,
      gutters: ["CodeMirror-lint-markers", "CodeMirror-linenumbers"],
      extraKeys: {
        "Ctrl-Space": "autocomplete",
        Tab: (cm) => cm.replaceSelection("  "),
      },
      hintOptions: { completeSingle: false, hint: hint },
      lint: {
        delay: 900,
        getAnnotations: (text) => validate(text).then((r) => annotations((r.data && r.data.errors) || [])),
      },
    });
    window.rulesEditor = editor;

    function hint(cm) {
      if (!state.schema) return null;
      const cur = cm.getCursor();
      const ctx = cursorContext(cm, cur);
      const list = completions(state.schema, ctx);
      if (!list.length) return null;
      const start = cur.ch - ctx.word.replace(/^["']/, "").length;
      return { list: list, from: CodeMirror.Pos(cur.line, start), to: cur };
    }

    editor.on("inputRead", (cm, change) => {
      if (cm.state.completionActive || change.origin !== "+input") return;
      const typed = change.text.join("");
      const before = cm.getLine(change.from.line).slice(0, change.from.ch + typed.length);
      if (/^[A-Za-z_]$/.test(typed) || /:\s$/.test(before)) cm.showHint();
    });
    editor.on("change", () => {
      dryBox.hidden = true;
      resultBox.hidden = true;
    });

    function jumpTo(e) {
      if (e.file !== file) return;
      editor.focus();
      editor.setCursor(CodeMirror.Pos(e.line - 1, Math.max(0, e.column - 1)));
      editor.scrollIntoView(null, 120);
    }

    function showErrors(errors) {
      const list = errorBox.querySelector("ol");
      list.replaceChildren();
      errors.forEach((e) => {
        const where = (e.file === file ? "" : e.file + " ") + "第 " + e.line + " 行第 " + e.column + " 列";
        const item = el("li", { class: "rule-error", "data-line": String(e.line), "data-file": e.file }, [
          el("b", { text: where + "：" }),
          el("span", { text: e.explanation }),
          el("div", { class: "muted mono", text: e.message }),
        ]);
        item.addEventListener("click", () => jumpTo(e));
        list.appendChild(item);
      });
      errorBox.querySelector(".count").textContent = String(errors.length);
      errorBox.hidden = errors.length === 0;
      editor.performLint();
    }

    function showDryRun(report) {
      dryBox.querySelector(".rules-note").textContent = report.note;
      const changes = dryBox.querySelector(".dry-changes");
      changes.replaceChildren();
      if (!report.files.length) changes.appendChild(el("p", { text: "只改了注释或排版，规则内容没有变化。" }));
      report.files.forEach((f) => {
        const items = f.changes.map((c) =>
          el("li", {}, [
            el("span", { class: "badge", text: { added: "新增", removed: "删除", changed: "修改" }[c.kind] }),
            el("span", { class: "mono", text: " " + c.path }),
            el("span", { text: "：" + c.what }),
          ])
        );
        if (!items.length) items.push(el("li", { text: "只改了注释或排版" }));
        changes.appendChild(el("h3", { text: f.label + "（" + f.file + "）" }));
        changes.appendChild(el("ul", { class: "rule-changes" }, items));
      });
      const impacts = dryBox.querySelector(".dry-impacts");
      impacts.replaceChildren();
      if (report.processes.length) impacts.appendChild(el("h3", { text: "涉及的流程与正在办理的案件" }));
      report.processes.forEach((p) => {
        const versions = Object.entries(p.by_version)
          .map(([v, n]) => v + "：" + n + " 件")
          .join("，");
        const lines = [el("b", { text: p.label }), el("span", { text: "：正在办理 " + p.running + " 件" + (versions ? "（按规则版本：" + versions + "）" : "") })];
        let detail = "";
        if (p.checked) detail += "已用其中 " + p.checked + " 件的实际情况试算，" + p.would_change.length + " 件若迁移到新版本会有不同决定。";
        if (p.unanswered) detail += p.unanswered + " 件暂时无法试算。";
        const item = el("li", {}, lines.concat([el("div", { class: "muted", text: detail })]));
        if (p.would_change.length) {
          item.appendChild(
            el("ul", {}, p.would_change.map((c) => el("li", { class: "mono", text: c.case_id + "：" + c.changes.join("；") })))
          );
        }
        impacts.appendChild(el("ul", { class: "impacts" }, [item]));
      });
      dryBox.hidden = false;
      dryBox.scrollIntoView({ behavior: "smooth", block: "start" });
    }

    checkButton.addEventListener("click", async () => {
      checkButton.disabled = true;
      status.textContent = "正在检查…";
      resultBox.hidden = true;
      const text = editor.getValue();
      const checked = await validate(text);
      if (!checked.ok) {
        status.textContent = problemText(checked);
        checkButton.disabled = false;
        return;
      }
      showErrors(checked.data.errors);
      if (!checked.data.valid) {
        status.textContent = "未通过检查：请按下方说明修改。";
        dryBox.hidden = true;
        checkButton.disabled = false;
        return;
      }
      status.textContent = "检查通过，正在试算…";
      const dry = await postJson("/api/rules/dry-run", { base: state.base, file: file, text: text });
      checkButton.disabled = false;
      if (!dry.ok) {
        status.textContent = problemText(dry);
        return;
      }
      status.textContent = "检查通过。请看试算结果，填写原因后确认启用。";
      showDryRun(dry.data);
    });

    activateForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = document.getElementById("activate-button");
      button.disabled = true;
      const reason = activateForm.elements.reason.value.trim();
      const body = { base: state.base, file: file, text: editor.getValue(), reason: reason };
      const result = await postJson("/api/rules/activate", body);
      button.disabled = false;
      resultBox.replaceChildren();
      resultBox.hidden = false;
      resultBox.classList.toggle("rules-ok", result.ok);
      if (result.ok) {
        state.base = result.data.version;
        root.dataset.base = state.base;
        state.checked.clear();
        dryBox.hidden = true;
        resultBox.append(
          el("p", { text: "已启用新版本 " + result.data.version + "。此后新启动的案件使用这个版本；正在办理的案件保持原版本。" }),
          el("p", {}, [el("a", { href: "/rules", text: "返回规则管理，查看版本记录" })])
        );
        status.textContent = "已启用。";
        return;
      }
      if (result.status === 409) {
        resultBox.append(
          el("p", { text: problemText(result) }),
          el("p", {}, [el("a", { href: location.pathname, text: "重新打开最新版本（当前修改请先复制保存）" })])
        );
        return;
      }
      if (result.status === 422 && result.data && result.data.rule_errors) {
        showErrors(result.data.rule_errors);
        dryBox.hidden = true;
      }
      resultBox.append(el("p", { text: problemText(result) }));
    });
  }

  // --- The history page: rollback with a reason -------------------------------------------------

  function historyPage(activeVersion) {
    const dialog = document.getElementById("rollback-dialog");
    const form = document.getElementById("rollback-form");
    const message = form.querySelector(".rules-message");
    let target = null;
    document.querySelectorAll("button.rollback").forEach((button) => {
      button.addEventListener("click", () => {
        target = button.dataset.version;
        document.getElementById("rollback-version").textContent = target;
        message.textContent = "";
        form.reset();
        dialog.showModal();
      });
    });
    form.querySelector(".cancel").addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const reason = form.elements.reason.value.trim();
      const result = await postJson("/api/rules/rollback", { version: target, base: activeVersion, reason: reason });
      if (result.ok) {
        setFlash("已回退到规则版本 " + result.data.version + "，新启动的案件将使用它。");
        location.reload();
        return;
      }
      message.textContent = problemText(result);
    });
  }

  window.RulesEditor = { editPage: editPage, historyPage: historyPage, cursorContext: cursorContext, completions: completions };
})();
