/* Small progressive enhancement on top of htmx; every page works without it.
 *
 * After an htmx swap the new content is announced through the page's aria-live region
 * (#live-region, WCAG 4.1.3) and focus goes somewhere sensible (WCAG 2.4.3): to the
 * error summary after a refused form, to the status message when the button that had
 * focus was swapped away, to the first new item after "show older comments", to a new
 * page's heading ([data-swap-focus], a questionnaire's "Page 2 of 3") after "Next".
 * Served from our own origin under a CSP without 'unsafe-inline': no inline script.
 */
(function () {
  "use strict";

  var pendingMessage = null;

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) { return; }
    region.textContent = "";
    // Emptied first and filled a moment later: screen readers announce a change, and
    // the same message twice in a row (two approvals) is still read out.
    window.setTimeout(function () {
      region.textContent = text.replace(/\s+/g, " ").trim();
    }, 100);
  }

  function focusOn(element) {
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }

  function find(root, selector) {
    if (root.matches(selector)) { return root; }
    return root.querySelector(selector);
  }

  function focusWasLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    pendingMessage = source && source.getAttribute ? source.getAttribute("data-loaded-message") : null;
  });

  function settle(roots) {
    roots = roots.filter(function (root) { return document.body.contains(root); });
    if (!roots.length) { return; }
    var summary = null;
    var status = null;
    var heading = null;
    roots.forEach(function (root) {
      summary = summary || find(root, ".error-summary");
      status = status || find(root, "[role=status], [role=alert], .confirmation");
      heading = heading || find(root, "[data-swap-focus]");
    });
    if (summary) {
      focusOn(summary);
      return;
    }
    if (heading) {
      pendingMessage = null;
      announce(heading.textContent);
      focusOn(heading);
      return;
    }
    if (status) {
      announce(status.textContent);
    } else if (pendingMessage) {
      announce(pendingMessage);
    }
    pendingMessage = null;
    // Only when the element that had focus was swapped away: a page's own script (the
    // moderation queue moves on to the next item) has already decided otherwise.
    if (focusWasLost()) { focusOn(status || roots[0]); }
  }

  // htmx fires afterSettle on every new top-level element of one swap, out-of-band ones
  // included, all with the same detail object: collect them, then act once, after the
  // other listeners of this event have run.
  var batches = new Map();
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (!(root instanceof Element)) { return; }
    var info = event.detail;
    if (!batches.has(info)) {
      batches.set(info, []);
      window.setTimeout(function () {
        var roots = batches.get(info);
        batches.delete(info);
        settle(roots);
      }, 0);
    }
    batches.get(info).push(root);
  });

  // A page that comes back with errors (no htmx, e.g. a full reload) starts at its summary.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("main .error-summary");
    if (summary) { focusOn(summary); }
  });
}());
