// The console's only script, and an optional one: every page works without it.
// It ticks SLA countdowns and keeps the Now page's calls in progress live from the
// server's event stream. Text goes in with textContent, never as markup.
'use strict';

(function () {
  function duration(ms) {
    var s = Math.max(0, Math.round(Math.abs(ms) / 1000));
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var pad = function (n) { return n < 10 ? '0' + n : String(n); };
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + pad(m) + 'm';
    if (m > 0) return m + 'm ' + pad(s % 60) + 's';
    return s + 's';
  }

  function tick() {
    var now = Date.now();
    var items = document.querySelectorAll('[data-countdown]');
    for (var i = 0; i < items.length; i++) {
      var due = Date.parse(items[i].getAttribute('data-countdown'));
      if (isNaN(due)) continue;
      var left = due - now;
      items[i].textContent = left >= 0 ? 'due in ' + duration(left) : duration(left) + ' overdue';
      items[i].classList.toggle('overdue', left < 0);
    }
  }

  var PHASES = {
    new: 'Answering', identifying: 'Identifying the caller', account: 'Entering the account number', pin: 'Entering the PIN',
    checkingPin: 'Checking the PIN', menu: 'In the menu', critical: 'Saying whether it is critical', adhoc: 'Asked about the charge',
    ticketRef: 'Entering a ticket reference', lookingUpTicket: 'Looking up a ticket', creatingTicket: 'Opening a ticket',
    planning: 'Finding the on-call engineer', ringing: 'Ringing an engineer', bridged: 'Talking to an engineer', desk: 'With the desk',
    recording: 'Leaving a message', ending: 'Ending', ended: 'Ended'
  };
  var CARRIERS = { asterisk: 'Asterisk', twilio: 'Twilio', cli: 'Simulated' };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString('en-GB', { timeZone: 'Europe/London' });
  }

  function render(item, m) {
    while (item.firstChild) item.removeChild(item.firstChild);
    var link = el('a');
    link.href = '/console/calls/' + encodeURIComponent(m.callId);
    link.appendChild(el('strong', '', m.account ? m.account.name : m.from));
    item.appendChild(link);
    item.appendChild(document.createTextNode(' '));
    item.appendChild(el('span', 'muted', (m.account ? '#' + m.account.number + ' · ' : '') + m.from + ' · ' + (CARRIERS[m.carrier] || m.carrier)));
    item.appendChild(document.createTextNode(' '));
    item.appendChild(el('span', 'live-phase', (PHASES[m.phase] || m.phase) + (m.ticket ? ' · ticket ' + m.ticket : '')));
    item.appendChild(document.createTextNode(' '));
    var since = item.getAttribute('data-since') || clock(m.at);
    item.setAttribute('data-since', since);
    item.appendChild(el('span', 'muted', 'since ' + since));
  }

  function live() {
    var list = document.getElementById('live-calls');
    if (!list || typeof EventSource === 'undefined') return;
    var empty = document.getElementById('live-empty');
    var count = document.getElementById('live-count');
    var status = document.getElementById('live-status');
    var refresh = function () {
      var n = list.querySelectorAll('li.live-call:not(.ended)').length;
      if (count) count.textContent = String(n);
      if (empty) empty.hidden = list.children.length > 0;
    };
    var find = function (id) {
      var items = list.querySelectorAll('li.live-call');
      for (var i = 0; i < items.length; i++) if (items[i].getAttribute('data-call-id') === id) return items[i];
      return null;
    };
    var steady = status ? status.textContent : '';
    var source = new EventSource('/console/events');
    source.addEventListener('open', function () {
      if (status) status.textContent = steady;
      document.body.setAttribute('data-stream', 'open');
    });
    source.addEventListener('error', function () {
      if (status) status.textContent = 'Reconnecting to the live feed…';
      document.body.setAttribute('data-stream', 'reconnecting');
    });
    // The session behind the stream has ended (signed out, disabled, a new role):
    // reconnecting would only be refused.
    source.addEventListener('session-ended', function () {
      source.close();
      if (status) status.textContent = 'Your session has ended. Sign in again to see live calls.';
      document.body.setAttribute('data-stream', 'ended');
    });
    source.addEventListener('feed', function (event) {
      var feed = document.getElementById('feed');
      var m;
      try { m = JSON.parse(event.data); } catch { return; }
      if (!feed || !m || !m.entry) return;
      var item = el('li', 'feed-' + String(m.entry.kind));
      item.appendChild(el('time', '', clock(m.entry.at)));
      item.appendChild(document.createTextNode(' '));
      if (m.entry.reference) {
        var link = el('a', '', String(m.entry.reference));
        link.href = '/console/tickets/' + encodeURIComponent(m.entry.reference);
        item.appendChild(link);
        item.appendChild(document.createTextNode(' '));
      }
      item.appendChild(el('span', '', String(m.entry.text)));
      feed.insertBefore(item, feed.firstChild);
      while (feed.children.length > 8) feed.removeChild(feed.lastChild);
      var none = document.getElementById('feed-empty');
      if (none) none.hidden = true;
    });
    source.addEventListener('call', function (event) {
      var m;
      try { m = JSON.parse(event.data); } catch { return; }
      var item = find(m.callId);
      if (m.type === 'call-ended') {
        if (item) {
          item.classList.add('ended');
          setTimeout(function () { if (item.parentNode) item.parentNode.removeChild(item); refresh(); }, 4000);
          render(item, m);
        }
        refresh();
        return;
      }
      if (!item) {
        item = el('li', 'live-call');
        item.setAttribute('data-call-id', m.callId);
        list.insertBefore(item, list.firstChild);
      }
      render(item, m);
      refresh();
    });
  }

  function confirmations() {
    document.addEventListener('submit', function (event) {
      var button = event.submitter;
      if (button && button.classList.contains('danger') && !window.confirm(button.getAttribute('aria-label') + '?')) {
        event.preventDefault();
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    tick();
    setInterval(tick, 1000);
    if (document.body.getAttribute('data-live') === 'on') live();
    confirmations();
  });
})();
