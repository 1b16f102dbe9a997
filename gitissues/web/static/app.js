// gi web: the page's script (on the board with board.js, which updates its cards). It follows
// GET /events (server-sent events): the whole board gets the changed cards in the stream
// itself; a filtered board asks the server where the cards an event names now go (one request
// per burst of events, never on a timer); an issue or the agents' page asks for its changed
// part. It sends the page's writes with the X-GI-Token of the page.
"use strict";
(() => {
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const token = meta("gi-token");
  const query = meta("gi-query");
  const page = document.body.dataset.page;
  const issueId = document.body.dataset.issue || "";
  const TYPES = ["issue.created", "issue.updated", "status.changed", "comment.added",
    "claim.acquired", "claim.released", "claim.extended", "claim.expired",
    "dependency.added", "dependency.removed", "commit.linked", "merge.conflict_resolved",
    "lease.acquired", "lease.released", "lease.extended", "lease.expired"];

  // --- who writes ---------------------------------------------------------------------------
  const actorBox = document.getElementById("actor");
  if (actorBox) {
    actorBox.value = localStorage.getItem("gi-actor") || "";
    actorBox.addEventListener("change", () => {
      localStorage.setItem("gi-actor", actorBox.value.trim());
    });
  }
  const actor = () => (actorBox && actorBox.value.trim()) || undefined;

  const notice = document.getElementById("notice");
  function say(text, bad) {
    notice.textContent = text;
    notice.classList.toggle("bad", !!bad);
    notice.hidden = !text;
  }

  async function send(method, url, doc) {
    const reply = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-GI-Token": token },
      body: JSON.stringify(doc),
    });
    const answer = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      throw new Error((answer.error && answer.error.message) || `${reply.status}`);
    }
    return answer;
  }

  async function get(url) {
    const reply = await fetch(url, { credentials: "same-origin" });
    if (!reply.ok) throw new Error(`${url}: ${reply.status}`);
    return reply;
  }

  // --- time left on claims (computed here: no request) --------------------------------------
  function left(expires) {
    const ms = Date.parse(expires) - Date.now();
    if (!(ms > 0)) return "expired";
    const m = Math.floor(ms / 60000), d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24;
    if (d) return `${d}d ${h}h left`;
    if (h) return `${h}h ${m % 60}m left`;
    return m ? `${m}m left` : "<1m left";
  }
  function tick() {
    for (const el of document.querySelectorAll("time.left")) {
      const text = left(el.getAttribute("datetime"));
      if (el.textContent !== text) el.textContent = text;
    }
  }
  setInterval(tick, 20000);

  // --- the board: cards in place (board.js) ------------------------------------------------
  const board = document.getElementById("board");
  const { showCards, recount } = window.giBoard || {};

  async function refreshBoard(ids) {
    const base = `/api/board?q=${encodeURIComponent(query)}`;
    if (ids.length > 200 || ids.includes("*")) {  // a pull or an import: the columns again, in one answer
      const doc = await (await get(base)).json();
      board.innerHTML = doc.html;
      recount(doc.counts);
      return;
    }
    const doc = await (await get(`${base}&ids=${ids.map(encodeURIComponent).join(",")}`)).json();
    showCards(doc.cards);
    recount(doc.counts);
  }

  async function refreshPart(url, target) {
    const html = await (await get(url)).text();
    target.innerHTML = html;
    tick();
  }

  // --- following /events ------------------------------------------------------------------------
  let pending = new Set(), running = false, lastId = meta("gi-last-event");
  async function flush() {
    if (running || !pending.size) return;
    running = true;
    const ids = [...pending];
    pending = new Set();
    try {
      if (page === "board" && board) {
        await refreshBoard(ids);
        tick();
      }
      else if (page === "issue") {
        await refreshPart(`/issues/${encodeURIComponent(issueId)}?part=live`,
          document.getElementById("live"));
      } else if (page === "agents") {
        await refreshPart("/agents?part=main", document.querySelector("main"));
      }
    } catch (err) {
      say(`could not update: ${err.message}`, true);
    } finally {
      running = false;
      if (pending.size) setTimeout(flush, 0);
    }
  }

  // What a card shows; on the unfiltered board an event that touches none of it (a comment,
  // a linked commit, an edit of the body) moves nothing (the server decides alike:
  // gitissues/web/cards.py).
  const CARD_FIELDS = ["title", "priority", "labels", "type", "status", "claim", "closed",
    "file"];
  function changesCard(doc) {
    if (doc.type === "comment.added" || doc.type === "commit.linked") return false;
    if (doc.type !== "issue.updated") return true;
    return Object.keys(doc.fields || {}).some((k) => CARD_FIELDS.includes(k));
  }

  // The whole board gets its cards in the stream (a `cards` event after each burst of events,
  // made once by the server for every page): it asks nothing. The cards of events heard whose
  // `cards` event was lost with a broken connection are asked for when the stream is back.
  const cardsInStream = page === "board" && !!board && !query;
  let awaiting = new Set();
  function cardsHeard(doc) {
    awaiting = new Set();
    if (doc.redraw) {
      pending.add("*");
    } else if (running || pending.size) {  // an answer on its way may be older or newer: ask
      for (const c of doc.cards || []) pending.add(c.id);
    } else {
      showCards(doc.cards || []);
      recount(doc.counts);
      tick();
      return;
    }
    setTimeout(flush, 0);
  }

  function heard(event) {  // event: {id, type, data} from the stream
    let doc;
    try { doc = JSON.parse(event.data); } catch (_) { return; }
    if (event.type === "cards") {
      if (cardsInStream) cardsHeard(doc);
      return;
    }
    lastId = event.id || lastId;
    const f = doc.fields || {};
    if (page === "issue") {
      if (doc.issue !== issueId && f.dependency !== issueId) return;
    } else if (page === "agents") {
      if (!doc.type.startsWith("claim.") && doc.type !== "status.changed") return;
    }
    if (page === "board" && (!doc.issue || (!query && !changesCard(doc)))) return;
    if (cardsInStream) {
      awaiting.add(doc.issue);
      return;
    }
    pending.add(doc.issue || issueId);
    setTimeout(flush, 30);  // gather the events of one commit into one request
  }

  function stateOf(state) {
    if (state === "missed") {  // events went by before this page was listening: redraw
      pending.add(page === "board" ? "*" : issueId);
      setTimeout(flush, 0);
      return;
    }
    if (state === "open" && awaiting.size) {
      for (const id of awaiting) pending.add(id);
      awaiting = new Set();
      setTimeout(flush, 0);
    }
    document.body.dataset.live = state === "open" ? "1" : "0";
  }

  function follow() {
    if (window.SharedWorker) {  // one stream for every tab of this board (see live-worker.js)
      try {
        // (named anew with each change of what the worker sends: a tab opened after an
        // upgrade never joins a worker of the old script, kept alive by older tabs)
        const worker = new SharedWorker("/static/live-worker.js", { name: "gi-events-cards" });
        worker.port.onmessage = (m) => (m.data.state ? stateOf(m.data.state) : heard(m.data));
        worker.port.start();
        worker.port.postMessage({ hello: true, after: lastId });
        addEventListener("pagehide", () => worker.port.postMessage({ bye: true }));
        return;
      } catch (_) { /* no shared worker here: a stream of our own */ }
    }
    const asks = [cardsInStream ? "cards=1" : "", lastId ? `after=${encodeURIComponent(lastId)}`
      : ""].filter(Boolean).join("&");
    const source = new EventSource("/events" + (asks ? `?${asks}` : ""));
    for (const type of [...TYPES, "cards"]) {
      source.addEventListener(type, (e) => heard({ id: e.lastEventId, type, data: e.data }));
    }
    source.addEventListener("open", () => stateOf("open"));
    source.addEventListener("error", () => stateOf("error"));
  }

  if (["board", "issue", "agents"].includes(page) && window.EventSource) follow();

  // --- writes -------------------------------------------------------------------------------------
  const form = (id) => document.getElementById(id);
  const labelsOf = (text) => text.split(",").map((x) => x.trim()).filter(Boolean);

  function onSubmit(id, action) {
    const f = form(id);
    if (!f) return;
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = ev.submitter;
      f.classList.add("busy");
      try {
        await action(f, button);
      } catch (err) {
        say(err.message, true);
      } finally {
        f.classList.remove("busy");
      }
    });
  }

  onSubmit("new-issue", async (f) => {
    const doc = await send("POST", "/api/issues", {
      title: f.title.value, body: f.body.value, type: f.type.value,
      priority: Number(f.priority.value), labels: labelsOf(f.labels.value), actor: actor(),
    });
    f.reset();
    say(`created ${doc.id}`);
  });

  const here = `/api/issues/${encodeURIComponent(issueId)}`;
  const reload = () => refreshPart(`/issues/${encodeURIComponent(issueId)}?part=live`,
    document.getElementById("live"));
  onSubmit("comment", async (f) => {
    await send("POST", `${here}/comments`, { body: f.body.value, actor: actor() });
    f.reset();
    say("comment added");
    await reload();
  });
  onSubmit("edit", async (f) => {
    const doc = await send("PATCH", here, {
      title: f.title.value, status: f.status.value, priority: Number(f.priority.value),
      labels: labelsOf(f.labels.value), actor: actor(),
    });
    say(`saved ${doc.id}`);
    await reload();
  });
  onSubmit("claim", async (f, button) => {
    const what = (button && button.value) || "claim";
    const doc = { actor: actor() };
    if (what === "claim" && f.ttl.value.trim()) doc.ttl = f.ttl.value.trim();
    await send("POST", `${here}/${what}`, doc);
    say(what === "claim" ? "claimed" : "released");
    await reload();
  });
})();
