// gi web: the cards of a board changed in place, for app.js (window.giBoard). A card that keeps
// its place is updated where it stands, touching only what differs; the counts are written
// only where they changed: after one change the browser redraws a line, not the board.
"use strict";
window.giBoard = ((board) => {
  const fragment = (html) => {
    const t = document.createElement("template");
    t.innerHTML = html;  // the server's own markup: every value in it is escaped
    return t.content.firstElementChild;
  };

  // Make `old` show what `fresh` shows, touching only what differs: a new title changes one
  // text node, so the browser redraws one line, not a new card in a column laid out again.
  function morph(old, fresh) {
    if (old.nodeType !== fresh.nodeType || old.nodeName !== fresh.nodeName) {
      old.replaceWith(fresh);
      return;
    }
    if (old.nodeType !== Node.ELEMENT_NODE) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return;
    }
    for (const { name } of [...old.attributes]) {
      if (!fresh.hasAttribute(name)) old.removeAttribute(name);
    }
    for (const { name, value } of [...fresh.attributes]) {
      if (old.getAttribute(name) !== value) old.setAttribute(name, value);
    }
    const mine = [...old.childNodes], theirs = [...fresh.childNodes];
    if (mine.length !== theirs.length) {
      old.replaceChildren(...theirs);
      return;
    }
    mine.forEach((child, k) => morph(child, theirs[k]));
  }

  // A card where the board's order puts it (`old`: the card shown so far, if any); one that
  // keeps its place is updated where it stands.
  function place(cardHtml, status, old) {
    const col = board.querySelector(`.column[data-status="${status}"] .cards`);
    if (!col) {
      if (old) old.remove();
      return;
    }
    const card = fragment(cardHtml);
    const key = card.dataset.order;
    if (old && old.parentElement === col) {
      const prev = old.previousElementSibling, next = old.nextElementSibling;
      if ((!prev || prev.dataset.order <= key) && (!next || next.dataset.order > key)) {
        morph(old, card);
        return;
      }
    }
    if (old) old.remove();
    const after = [...col.children].find((c) => c.dataset.order > key);
    col.insertBefore(card, after || null);
    const cap = Number(col.parentElement.dataset.cap) || 100;
    while (col.children.length > cap) col.lastElementChild.remove();
  }

  function showCards(cards) {
    for (const c of cards) {
      const [old, ...extra] = board.querySelectorAll(`.card[data-id="${CSS.escape(c.id)}"]`);
      for (const e of extra) e.remove();
      if (c.html && c.column) place(c.html, c.column, old);
      else if (old) old.remove();
    }
  }

  const put = (el, text) => { if (el.textContent !== text) el.textContent = text; };
  function recount(counts) {  // (no counts: the totals stay; what is shown may have changed)
    for (const col of board.querySelectorAll(".column")) {
      const total = counts ? counts[col.dataset.status] : Number(col.dataset.total);
      if (total === undefined || Number.isNaN(total)) continue;
      const shown = col.querySelector(".cards").children.length;
      if (col.dataset.total !== String(total)) col.dataset.total = total;
      put(col.querySelector("h2 .count"), String(total));
      const rest = col.querySelector(".rest");
      put(rest, total > shown ? `and ${total - shown} more` : "");
      if (rest.hidden !== (total <= shown)) rest.hidden = total <= shown;
    }
  }

  return { showCards, recount };
})(document.getElementById("board"));
