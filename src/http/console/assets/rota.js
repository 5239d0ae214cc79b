// The rota's drag to select, and only that: pressing on a lane of the timeline and
// dragging across it fills the override form with that role and those times
// (snapped to the half hour, UK time), then puts focus on the engineer. Optional:
// the form works alone, by keyboard. Touch drags scroll the timeline instead.
'use strict';

(function () {
  var svg = document.getElementById('rota-tl');
  var form = document.getElementById('override-form');
  var sel = document.getElementById('rota-tl-selection');
  if (!svg || !form || !sel) return;
  document.documentElement.classList.add('js');

  var from = Number(svg.getAttribute('data-from'));
  var to = Number(svg.getAttribute('data-to'));
  var x0 = Number(svg.getAttribute('data-x0'));
  var x1 = Number(svg.getAttribute('data-x1'));
  var STEP = 30 * 60 * 1000;
  var UK = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  var drag = null;

  /** `YYYY-MM-DDTHH:mm` in UK time, what a datetime-local field holds. */
  function ukInput(ms) {
    var p = {};
    UK.formatToParts(new Date(ms)).forEach(function (part) { p[part.type] = part.value; });
    return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute;
  }

  function timeAt(evt) {
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    var x = pt.matrixTransform(svg.getScreenCTM().inverse()).x;
    var f = Math.min(Math.max((x - x0) / (x1 - x0), 0), 1);
    return from + Math.round((f * (to - from)) / STEP) * STEP;
  }

  function xOf(t) { return x0 + ((t - from) / (to - from)) * (x1 - x0); }

  function draw(d) {
    var a = Math.min(d.start, d.end);
    var b = Math.max(d.start, d.end);
    sel.setAttribute('x', String(xOf(a)));
    sel.setAttribute('width', String(Math.max(2, xOf(b) - xOf(a))));
    sel.setAttribute('y', d.lane.getAttribute('y'));
    sel.setAttribute('height', d.lane.getAttribute('height'));
    sel.removeAttribute('hidden');
  }

  svg.addEventListener('pointerdown', function (e) {
    if (e.pointerType === 'touch' || e.button !== 0) return;
    var lane = e.target.closest && e.target.closest('.tl-lane');
    if (!lane) return;
    var t = timeAt(e);
    drag = { lane: lane.querySelector('.tl-lane-bg'), level: lane.getAttribute('data-level'), start: t, end: t };
    svg.setPointerCapture(e.pointerId);
    draw(drag);
    e.preventDefault();
  });

  svg.addEventListener('pointermove', function (e) {
    if (!drag) return;
    drag.end = timeAt(e);
    draw(drag);
  });

  function finish() {
    var d = drag;
    drag = null;
    if (!d) return;
    var a = Math.min(d.start, d.end);
    var b = Math.max(d.start, d.end);
    if (b - a < STEP) {
      sel.setAttribute('hidden', '');
      return;
    }
    form.elements.level.value = d.level;
    form.elements.from.value = ukInput(a);
    form.elements.to.value = ukInput(b);
    sayUk(form.elements.from);
    sayUk(form.elements.to);
    var said = document.getElementById('override-filled');
    if (said) said.textContent = 'Override form filled from the timeline: choose the engineer.';
    form.scrollIntoView({ block: 'nearest' });
    form.elements.engineerId.focus();
  }

  // The UK reading of each time field, whatever order the browser shows it in.
  var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  function sayUk(input) {
    var out = document.getElementById(input.id + '-uk');
    if (!out) return;
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(input.value);
    if (!m) { out.textContent = ''; return; }
    var weekday = DAYS[new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay()];
    out.textContent = weekday + ', ' + m[3] + '/' + m[2] + '/' + m[1] + ', ' + m[4] + ':' + m[5];
  }
  ['from', 'to'].forEach(function (name) {
    var input = form.elements[name];
    input.addEventListener('input', function () { sayUk(input); });
  });

  svg.addEventListener('pointerup', finish);
  svg.addEventListener('pointercancel', function () {
    drag = null;
    sel.setAttribute('hidden', '');
  });
})();
