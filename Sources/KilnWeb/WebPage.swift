/// `/`: one self-contained page (no external assets: the hosts that run Kiln often have no internet) that lists every
/// environment, filters by stage and state, and refreshes itself from `/api/environments` every two seconds (less
/// often when a refresh is slow, never while the page is hidden). A click on a name shows that environment's copies,
/// spec, lock, a submission's changes against the published version, history and build log from
/// `/api/environments/<name>`, at its own address `/environments/<name>` (served as this same page); the log of a
/// build that runs is followed live, from its event stream.
///
/// Everything from the workspace is put on the page as text (`textContent`), never as markup, so a spec's
/// description cannot inject anything.
enum WebPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Kiln</title>
        <style>
        :root { --fg: #1d2125; --muted: #5f6b76; --line: #dde2e7; --bg: #fff; --soft: #f4f6f8;
          --saved: #6c757d; --draft: #0b7285; --pending: #e67700; --published: #2b8a3e; --bad: #c92a2a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
          background: var(--bg); }
        header { padding: 12px 16px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap;
          gap: 8px 24px; align-items: center; }
        h1 { font-size: 20px; margin: 0; }
        .flow { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; color: var(--muted); font-size: 13px; }
        .stage { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
        .stage.saved { background: var(--saved); } .stage.draft { background: var(--draft); }
        .stage.pending { background: var(--pending); } .stage.published { background: var(--published); }
        main { padding: 12px 16px; }
        .filters { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 10px; align-items: center; }
        .filters label { color: var(--muted); font-size: 13px; }
        select { font: inherit; padding: 2px 4px; }
        #updated { color: var(--muted); font-size: 12px; margin-left: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
        td.name a { font-weight: 600; color: inherit; }
        .state { font-weight: 600; }
        .state.failed, .state.invalid, .state.rejected, .state.symlink { color: var(--bad); }
        .state.building, .state.queued { color: var(--pending); }
        .msg { color: var(--muted); max-width: 40em; overflow-wrap: anywhere; }
        progress { width: 7em; vertical-align: middle; }
        #empty { color: var(--muted); padding: 20px 0; }
        #detail { margin-top: 18px; border-top: 2px solid var(--line); padding-top: 8px; }
        #detail h2 { font-size: 18px; margin: 6px 0; }
        #detail h3 { font-size: 14px; margin: 14px 0 4px; color: var(--muted); text-transform: uppercase; }
        pre { background: var(--soft); padding: 8px; overflow: auto; max-height: 24em; font-size: 12px;
          white-space: pre-wrap; overflow-wrap: anywhere; }
        @media (max-width: 700px) {
          thead { display: none; }
          table, tbody, tr, td { display: block; width: 100%; }
          tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
          td { border: none; padding: 2px 0; }
          td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 12px; }
        }
        </style>
        </head>
        <body>
        <header>
          <h1>Kiln</h1>
          <div class="flow" aria-label="the status flow">
            <span class="stage saved">saved</span>&rarr;<span class="stage draft">draft</span>&rarr;
            <span class="stage pending">pending</span>&rarr;<span class="stage published">published</span>
          </div>
        </header>
        <main>
          <div class="filters">
            <label>stage <select id="stage"><option value="">all</option></select></label>
            <label>state <select id="state"><option value="">all</option></select></label>
            <span id="updated"></span>
          </div>
          <table>
            <thead><tr><th>name</th><th>full name</th><th>base</th><th>stage</th><th>state</th><th>build</th>
              <th>last change</th><th>message</th></tr></thead>
            <tbody id="rows"></tbody>
          </table>
          <div id="empty" hidden>No environments yet.</div>
          <section id="detail" hidden></section>
        </main>
        <script>
        "use strict";
        const stages = ["saved", "draft", "pending", "published"];
        let rows = [];
        let shown = null;
        function el(tag, text, cls) {
          const e = document.createElement(tag);
          if (text !== undefined && text !== null) e.textContent = String(text);
          if (cls) e.className = cls;
          return e;
        }
        function when(iso) { return iso ? new Date(iso).toLocaleString() : "-"; }
        function fillSelect(id, values) {
          const select = document.getElementById(id);
          const keep = select.value;
          const have = new Set(Array.from(select.options).map(o => o.value));
          for (const v of values) if (!have.has(v)) select.appendChild(el("option", v));
          select.value = keep;
        }
        function render() {
          const stage = document.getElementById("stage").value;
          const state = document.getElementById("state").value;
          const body = document.getElementById("rows");
          body.replaceChildren();
          const visible = rows.filter(r => (!stage || r.stage === stage) && (!state || r.state === state));
          for (const r of visible) {
            const tr = el("tr");
            tr.dataset.location = r.location;
            const name = el("td", null, "name");
            name.dataset.label = "name";
            const a = el("a", r.location);
            a.href = "/environments/" + encodeURIComponent(r.name);
            a.addEventListener("click", ev => { ev.preventDefault(); history.pushState(null, "", a.href); show(r.name); });
            name.appendChild(a);
            tr.appendChild(name);
            const cells = [["full name", r.full_name || "-"], ["base", r.base || "-"]];
            for (const [label, text] of cells) { const td = el("td", text); td.dataset.label = label; tr.appendChild(td); }
            const st = el("td"); st.dataset.label = "stage"; st.appendChild(el("span", r.stage, "stage " + r.stage));
            tr.appendChild(st);
            const state = el("td", null); state.dataset.label = "state";
            state.appendChild(el("span", r.state, "state " + r.state));
            if (r.progress) {
              state.appendChild(el("div", r.progress.summary, "msg"));
              if (r.progress.total) {
                const p = el("progress"); p.max = r.progress.total; p.value = r.progress.done || 0;
                state.appendChild(p);
              }
            }
            tr.appendChild(state);
            const rest = [["build", r.build === null ? "-" : r.build], ["last change", when(r.updated)]];
            for (const [label, text] of rest) { const td = el("td", text); td.dataset.label = label; tr.appendChild(td); }
            const msg = el("td", r.message, "msg"); msg.dataset.label = "message"; tr.appendChild(msg);
            body.appendChild(tr);
          }
          document.getElementById("empty").hidden = visible.length > 0;
        }
        async function refresh() {
          try {
            const answer = await fetch("/api/environments", { cache: "no-store" });
            if (!answer.ok) throw new Error(answer.status);
            rows = (await answer.json()).environments;
            fillSelect("stage", stages);
            fillSelect("state", [...new Set(rows.map(r => r.state))].sort());
            render();
            document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
            if (shown) await show(shown, true);
          } catch (e) {
            document.getElementById("updated").textContent = "the daemon does not answer (" + e.message + ")";
          }
        }
        // The build log of the shown environment, followed live (server-sent events) while it builds.
        let stream = null;
        function stopStream() { if (stream) { stream.close(); stream = null; } }
        async function show(name, quietly) {
          // While its build's log streams, the shown environment is not redrawn: the stream's result redraws it.
          if (quietly && stream && shown === name) return;
          stopStream();
          shown = name;
          const detail = document.getElementById("detail");
          const answer = await fetch("/api/environments/" + encodeURIComponent(name), { cache: "no-store" });
          if (!answer.ok) { if (!quietly) { detail.hidden = false; detail.replaceChildren(el("p", name + ": not found")); } return; }
          const env = await answer.json();
          const log = await fetch("/api/environments/" + encodeURIComponent(name) + "/log", { cache: "no-store" });
          const parts = [el("h2", env.name)];
          for (const c of env.copies) {
            parts.push(el("h3", c.status.location + " - " + c.status.state));
            parts.push(el("p", c.status.message, "msg"));
            if (c.spec && c.spec.text) parts.push(el("pre", c.spec.text));
            else if (c.spec && c.spec.problem) parts.push(el("p", c.spec.problem, "msg"));
            if (c.review) { parts.push(el("h3", "review")); parts.push(el("pre", c.review)); }
            if (c.changes) {
              parts.push(el("h3", "changes against the published version"));
              parts.push(el("pre", c.changes));
            }
            if (c.lock) { parts.push(el("h3", "requirements.lock")); parts.push(el("pre", c.lock)); }
          }
          parts.push(el("h3", "build log"));
          const logText = el("pre", log.ok ? await log.text() : "no build log");
          logText.id = "log";
          parts.push(logText);
          parts.push(el("h3", "history"));
          const list = el("pre", env.history.slice().reverse()
            .map(h => when(h.time) + "  " + (h.from || "(new)") + " -> " + (h.to || "(removed)") + "  " + h.state
              + (h.message ? "  " + h.message : "")).join("\\n") || "no transitions yet");
          parts.push(list);
          detail.replaceChildren(...parts);
          detail.hidden = false;
          if (!quietly) detail.scrollIntoView();
          if (env.copies.some(c => c.status.state === "building" || c.status.state === "queued")) {
            const events = new EventSource("/api/environments/" + encodeURIComponent(name) + "/log");
            stream = events;
            logText.textContent = "";
            events.onmessage = ev => {
              logText.textContent += ev.data + "\\n";
              logText.scrollTop = logText.scrollHeight;
            };
            events.addEventListener("result", () => { stopStream(); show(name, true); });
            events.addEventListener("end", stopStream);
            events.onerror = stopStream;
          }
        }
        document.getElementById("stage").addEventListener("change", render);
        document.getElementById("state").addEventListener("change", render);
        // The environment the address names: /environments/<name> (or the older #<name>).
        function fromAddress() {
          const m = location.pathname.match(/^\\/environments\\/([^/]+)\\/?$/);
          if (m) return decodeURIComponent(m[1]);
          return location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : null;
        }
        window.addEventListener("popstate", () => {
          const name = fromAddress();
          if (name) { show(name); } else { stopStream(); shown = null; document.getElementById("detail").hidden = true; }
        });
        if (fromAddress()) show(fromAddress());
        // Every 2 s, or four times as long as the last refresh took (a large workspace is read whole each time, and
        // the page must not keep the daemon's host busy); not while the page is hidden.
        async function loop() {
          const started = performance.now();
          if (!document.hidden) await refresh();
          setTimeout(loop, Math.max(2000, 4 * (performance.now() - started)));
        }
        loop();
        </script>
        </body>
        </html>
        """
}
