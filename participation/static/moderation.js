/* Keyboard shortcuts for the moderation queue, and the print buttons of receipts and
 * reports. Progressive enhancement only: every action is a plain form that works without
 * this file. Served from our own origin under a CSP without 'unsafe-inline'/'unsafe-eval'.
 *
 * Shortcuts (outside text fields, without Ctrl/Alt/Meta), listed on the queue page:
 *   j  next contribution          k  previous contribution
 *   a  approve and publish        r  reject: focus the reason
 *   e  edit (redact) the text     x  select for a bulk decision
 *   ?  show or hide the list of shortcuts
 */
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  }

  function current() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest("[data-queue-item]") : null;
    return item || document.querySelector("[data-queue-item].is-current");
  }

  function select(item) {
    if (!item) { return; }
    items().forEach(function (other) { other.classList.remove("is-current"); });
    item.classList.add("is-current");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var index = list.indexOf(current());
    var next = index < 0 ? (step > 0 ? 0 : list.length - 1) : index + step;
    if (next >= 0 && next < list.length) { select(list[next]); }
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    var item = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": {
        var approve = item && item.querySelector("[data-action=approve]");
        if (!approve) { return; }
        approve.click();
        break;
      }
      case "r": {
        var reason = item && item.querySelector("[data-reason]");
        if (!reason) { return; }
        // The reason sits folded in the item's "Reject" disclosure (moderation/_item.html).
        var fold = reason.closest("details");
        if (fold) { fold.open = true; }
        reason.focus();
        break;
      }
      case "e": {
        var edit = item && item.querySelector("[data-edit]");
        if (!edit) { return; }
        edit.open = true;
        var area = edit.querySelector("textarea");
        if (area) { area.focus(); }
        break;
      }
      case "x": {
        var box = item && item.querySelector("[data-select]");
        if (!box) { return; }
        box.checked = !box.checked;
        break;
      }
      case "?": {
        var help = document.getElementById("shortcuts");
        if (!help) { return; }
        help.open = !help.open;
        if (help.open) { help.querySelector("summary").focus(); }
        break;
      }
      default: return;
    }
    event.preventDefault();
  }

  // After a decision the item turns into a one-line note: go on to the next one, so a
  // moderator can work through the queue with j/a/r alone.
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!(swapped instanceof Element) || !swapped.matches("[data-queue-item].decided")) { return; }
    var list = items();
    var index = list.indexOf(swapped);
    for (var i = index + 1; i < list.length; i += 1) {
      if (!list[i].classList.contains("decided")) { select(list[i]); return; }
    }
    select(swapped);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-queue-item]")) {
      document.addEventListener("keydown", onKey);
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
}());
