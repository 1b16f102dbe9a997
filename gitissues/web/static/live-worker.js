// gi web: one GET /events stream shared by every tab of the board in this browser. A browser
// keeps at most six HTTP/1.1 connections to one server, so a stream per tab would leave the
// seventh tab unable even to load. Each tab says which event it was drawn at (`after`); the
// events it has not seen are sent again from a short memory, else it is told to redraw.
"use strict";
const TYPES = ["issue.created", "issue.updated", "status.changed", "comment.added",
  "claim.acquired", "claim.released", "claim.extended", "claim.expired",
  "dependency.added", "dependency.removed", "commit.linked", "merge.conflict_resolved",
  "lease.acquired", "lease.released", "lease.extended", "lease.expired"];
const KEEP = 1000;
const ports = new Set();
const recent = [];  // the newest events sent, oldest first: {id, type, data}
let source = null, start = "", state = "connecting";

function tell(message) {
  for (const port of ports) port.postMessage(message);
}

function open(after) {
  start = after || "";
  // (`cards`: the changed cards of the whole board after each burst; other tabs ignore them)
  source = new EventSource("/events?cards=1" + (after ? `&after=${encodeURIComponent(after)}`
    : ""));
  for (const type of [...TYPES, "cards"]) {
    source.addEventListener(type, (e) => {
      const event = { id: e.lastEventId, type, data: e.data };
      recent.push(event);
      if (recent.length > KEEP) recent.shift();
      tell(event);
    });
  }
  source.addEventListener("open", () => { state = "open"; tell({ state }); });
  source.addEventListener("error", () => { state = "error"; tell({ state }); });
}

function hello(port, after) {
  if (!source) {
    open(after);
    return;
  }
  const at = recent.findIndex((e) => e.id === after);
  if (at >= 0 || (after || "") === start) {
    for (const event of recent.slice(at + 1)) port.postMessage(event);
  } else {
    port.postMessage({ state: "missed" });  // drawn before this memory: redraw what it shows
  }
  port.postMessage({ state });
}

onconnect = (e) => {
  const port = e.ports[0];
  port.onmessage = (m) => {
    if (m.data && m.data.hello) {
      ports.add(port);
      hello(port, m.data.after);
    } else if (m.data && m.data.bye) {
      ports.delete(port);
    }
  };
  port.start();
};
