// raftlab timeline: draws the run embedded in #run-data on a canvas.
// Lanes per server over virtual time (µs); zoom with the wheel, pan by dragging,
// hover for details. At low zoom, calls and marks are aggregated per pixel column.
(function () {
  'use strict';
  var statusEl = document.getElementById('status');
  var errorsEl = document.getElementById('errors');
  function reportError(text) {
    errorsEl.hidden = false;
    errorsEl.textContent += text + '\n';
    statusEl.setAttribute('data-error', text);
  }
  window.onerror = function (message, source, line, column) {
    reportError(String(message) + ' (line ' + line + ':' + column + ')');
    return false;
  };
  window.addEventListener('unhandledrejection', function (e) { reportError('unhandled: ' + e.reason); });

  var D = JSON.parse(document.getElementById('run-data').textContent);
  var TEXT = D.text;
  var SERVERS = D.servers;
  var L = D.lanes.length;
  var END = D.end;

  // ----- decoding -----
  var C = D.calls, NC = C.id.length;
  var ts = new Float64Array(NC), td = new Float64Array(NC), tr = new Float64Array(NC);
  var tb = new Float64Array(NC), dt = new Float64Array(NC);
  (function () {
    var s = 0;
    for (var i = 0; i < NC; i++) {
      s += C.ts[i]; ts[i] = s;
      td[i] = C.td[i] < 0 ? -1 : s + C.td[i];
      var base = td[i] < 0 ? s : td[i];
      tr[i] = C.tr[i] < 0 ? -1 : base + C.tr[i];
      tb[i] = C.tb[i] < 0 ? -1 : s + C.tb[i];
      dt[i] = C.dt[i] < 0 ? -1 : s + C.dt[i];
    }
  })();
  var M = D.marks, NM = M.n.length, mt = new Float64Array(NM);
  (function () { var s = 0; for (var i = 0; i < NM; i++) { s += M.t[i]; mt[i] = s; } })();
  var SPAN = C.span;
  function laneOf(node) { return node < SERVERS ? node : SERVERS; }
  function nodeName(node) { return node < SERVERS ? D.lanes[node] : 'clerk ' + node; }

  // ----- colours -----
  var TOPIC_COLOUR = {
    election: '#c98a00', vote: '#a23cc4', append: '#2f6fd6', commit: '#1f9d48', apply: '#17b35a',
    persist: '#1596a8', snapshot: '#0fb5c9', client: '#5561e0', rpc: '#7d7d8c', timer: '#9a9aa6',
    fault: '#d62828', tester: '#333', log: '#555'
  };
  var ROLE = [
    { name: 'follower', fill: '#dfe6f2', text: '#4a5670' },
    { name: 'candidate', fill: '#ffd99a', text: '#7a4b00' },
    { name: 'leader', fill: '#8fd6a0', text: '#125c26' },
    { name: 'down', fill: '#4a4a55', text: '#fff' },
    { name: 'starting', fill: '#eeeeee', text: '#777' }
  ];
  var MARK = [
    { name: 'apply', colour: '#17b35a' }, { name: 'snapshot', colour: '#0fb5c9' },
    { name: 'commit', colour: '#1f7a3a' }, { name: 'log', colour: '#8a8a96' },
    { name: 'persist', colour: '#1596a8' }, { name: 'timer', colour: '#c0c0ca' },
    { name: 'done', colour: '#5561e0' }, { name: 'configuration', colour: '#d08700' }
  ];
  function topicColour(k) { return TOPIC_COLOUR[D.topics[k]] || '#777'; }

  (function legend() {
    var el = document.getElementById('legend'), html = '';
    for (var r = 0; r < 4; r++) html += '<span><i style="background:' + ROLE[r].fill + '"></i>' + ROLE[r].name + '</span>';
    ['vote', 'append', 'snapshot', 'client'].forEach(function (t) {
      html += '<span><i style="background:' + TOPIC_COLOUR[t] + ';height:3px"></i>' + t + '</span>';
    });
    html += '<span><i style="background:#d62828;height:3px"></i>dropped</span>';
    html += '<span><i style="background:#17b35a;width:3px"></i>apply</span>';
    if (M.k.indexOf(7) >= 0) html += '<span><i style="background:#d08700;width:3px"></i>configuration</span>';
    html += '<span><i style="background:#e08a00;width:2px"></i>tester action</span>';
    html += '<span><i style="background:#8d99ae;height:1px"></i>timer (• fired, × cancelled)</span>';
    el.innerHTML = html;
  })();

  // ----- layout -----
  var canvas = document.getElementById('tl');
  var ctx = canvas.getContext('2d');
  var tip = document.getElementById('tip');
  var LEFT = 86, RIGHT = 12, RULER = 22, TESTER = 30;
  var W = 0, H = 0, laneH = 60, dpr = 1;
  var t0 = 0, t1 = END;

  function resize() {
    dpr = window.devicePixelRatio || 1;
    W = Math.max(300, canvas.parentElement.clientWidth || window.innerWidth);
    var top = canvas.getBoundingClientRect().top + (window.scrollY || 0);
    var avail = Math.max(200, (window.innerHeight || 800) - top - 8);
    laneH = Math.max(52, Math.min(120, Math.floor((avail - RULER - TESTER - 8) / Math.max(1, L))));
    H = RULER + TESTER + L * laneH + 8;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    canvas.style.height = H + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  function plotW() { return W - LEFT - RIGHT; }
  function X(t) { return LEFT + (t - t0) / (t1 - t0) * plotW(); }
  function T(x) { return t0 + (x - LEFT) / plotW() * (t1 - t0); }
  function laneTop(l) { return RULER + TESTER + l * laneH; }
  function laneMid(l) { return laneTop(l) + Math.round(laneH * 0.62); }
  var BAND_Y = 4, BAND_H = 15;

  function fmtTime(us, step) {
    var s = Math.floor(us / 1e6), rest = Math.round(us - s * 1e6);
    if (step !== undefined && step >= 1000) {
      return s + '.' + String(Math.floor(rest / 1000)).padStart(3, '0');
    }
    return s + '.' + String(rest).padStart(6, '0');
  }
  function lowerBound(arr, n, value) {
    var lo = 0, hi = n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (arr[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // ----- drawing -----
  var hits = [];       // hover targets of the last frame
  var drawn = 0;       // primitives drawn in the last frame
  var MAX_HITS = 30000;
  function addHit(h) { if (hits.length < MAX_HITS) hits.push(h); }

  function drawRuler() {
    var span = t1 - t0, px = plotW();
    var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) { if (steps[i] / span * px >= 90) { step = steps[i]; break; } }
    ctx.fillStyle = '#f1f1f5'; ctx.fillRect(0, 0, W, RULER);
    ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    var first = Math.ceil(t0 / step) * step;
    for (var t = first; t <= t1; t += step) {
      var x = Math.round(X(t)) + 0.5;
      ctx.strokeStyle = '#ececf2'; ctx.beginPath(); ctx.moveTo(x, RULER); ctx.lineTo(x, H); ctx.stroke();
      ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(x, RULER - 5); ctx.lineTo(x, RULER); ctx.stroke();
      ctx.fillStyle = '#555'; ctx.fillText(fmtTime(t, step) + 's', x + 3, RULER / 2);
      drawn++;
    }
  }

  function drawLanes() {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (var l = 0; l < L; l++) {
      var y = laneTop(l);
      ctx.fillStyle = l % 2 ? '#f6f6fa' : '#ffffff';
      ctx.fillRect(0, y, W, laneH);
      ctx.strokeStyle = '#e2e2ea'; ctx.beginPath(); ctx.moveTo(0, y + 0.5); ctx.lineTo(W, y + 0.5); ctx.stroke();
      ctx.strokeStyle = '#d0d0da'; ctx.beginPath(); ctx.moveTo(LEFT, laneMid(l) + 0.5); ctx.lineTo(W - RIGHT, laneMid(l) + 0.5); ctx.stroke();
      ctx.fillStyle = '#222'; ctx.fillText(D.lanes[l], 8, y + BAND_Y + BAND_H / 2);
    }
    // tester row
    ctx.fillStyle = '#fafaf4'; ctx.fillRect(0, RULER, W, TESTER);
    ctx.fillStyle = '#555'; ctx.fillText('tester', 8, RULER + TESTER / 2);
  }

  function drawBands() {
    ctx.font = '10px ui-monospace, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    var bands = D.bands;
    for (var i = 0; i < bands.length; i++) {
      var b = bands[i];
      if (b[2] < t0 || b[1] > t1) continue;
      var x1 = Math.max(LEFT, X(b[1])), x2 = Math.min(W - RIGHT, X(b[2]));
      if (x2 - x1 < 0.3) continue;
      var role = ROLE[b[3]] || ROLE[4];
      var y = laneTop(b[0]) + BAND_Y;
      ctx.fillStyle = role.fill;
      ctx.fillRect(x1, y, Math.max(1, x2 - x1), BAND_H);
      if (b[3] !== 3) { // term boundaries
        ctx.fillStyle = 'rgba(0,0,0,0.25)'; ctx.fillRect(x1, y, 1, BAND_H);
      }
      if (x2 - x1 > 36) {
        ctx.fillStyle = role.text;
        var label = b[3] === 3 ? 'down' : (b[3] === 2 ? 'L' : b[3] === 1 ? 'C' : 'F') + ' t' + b[4];
        if (x2 - x1 > 110 && b[3] !== 3) label = role.name + ' · term ' + b[4];
        ctx.fillText(label, x1 + 4, y + BAND_H / 2 + 0.5);
      }
      addHit({ kind: 'band', x1: x1, x2: x2, y1: y, y2: y + BAND_H, b: b });
      drawn++;
    }
  }

  function drawConnectivity() {
    var n = Math.min(SERVERS, 16);
    if (n < 2) return;
    var rowH = Math.max(1, Math.min(3, Math.floor((laneH * 0.62 - BAND_Y - BAND_H - 6) / n)));
    var conn = D.conn;
    for (var i = 0; i < conn.length; i++) {
      var c = conn[i];
      if (c[2] < t0 || c[1] > t1) continue;
      var x1 = Math.max(LEFT, X(c[1])), x2 = Math.min(W - RIGHT, X(c[2]));
      if (x2 - x1 < 0.3) continue;
      var lane = c[0], top = laneTop(lane) + BAND_Y + BAND_H + 3;
      for (var j = 0; j < n; j++) {
        if (j === lane) continue;
        var reach = Math.floor(c[3] / Math.pow(2, j)) % 2 === 1;
        ctx.fillStyle = reach ? '#b8cbe6' : '#e8595955';
        ctx.fillRect(x1, top + j * rowH, Math.max(1, x2 - x1), rowH - (rowH > 1 ? 0.5 : 0));
      }
      addHit({ kind: 'conn', x1: x1, x2: x2, y1: top, y2: top + n * rowH, c: c });
      drawn++;
    }
  }

  // A server's timers: a thin line from when it was set to when it fired
  // (a dot), was cancelled (a cross), was lost in a crash, or the run ended.
  function drawTimers() {
    var timers = D.timers;
    ctx.lineWidth = 1;
    for (var i = 0; i < timers.length; i++) {
      var tm = timers[i];
      if (tm[2] < t0 || tm[1] > t1) continue;
      var x1 = Math.max(LEFT, X(tm[1])), x2 = Math.min(W - RIGHT, X(tm[2]));
      var y = Math.round(laneMid(tm[0]) + 7) + 0.5;
      ctx.strokeStyle = tm[3] === 0 ? '#8d99ae' : '#c9ced8';
      ctx.beginPath(); ctx.moveTo(x1, y); ctx.lineTo(Math.max(x1 + 1, x2), y); ctx.stroke();
      if (tm[2] <= t1 && x2 - x1 > 3) {
        if (tm[3] === 0) {
          ctx.fillStyle = '#5c677d';
          ctx.beginPath(); ctx.arc(x2, y, 2, 0, 2 * Math.PI); ctx.fill();
        } else if (tm[3] === 1) {
          ctx.strokeStyle = '#7d5c5c';
          ctx.beginPath(); ctx.moveTo(x2 - 2, y - 2); ctx.lineTo(x2 + 2, y + 2); ctx.moveTo(x2 + 2, y - 2); ctx.lineTo(x2 - 2, y + 2); ctx.stroke();
        }
      }
      addHit({ kind: 'timer', x1: x1, x2: Math.max(x1 + 2, x2), y1: y - 3, y2: y + 3, tm: tm });
      drawn++;
    }
  }

  function drawLives() {
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    var lives = D.lives;
    for (var i = 0; i < lives.length; i++) {
      var v = lives[i];
      if (v[1] < t0 || v[1] > t1) continue;
      var x = X(v[1]), y = laneTop(v[0]) + BAND_Y + BAND_H / 2;
      if (v[2] === 1) {
        ctx.strokeStyle = '#d62828'; ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y + 5); ctx.moveTo(x + 5, y - 5); ctx.lineTo(x - 5, y + 5); ctx.stroke();
        ctx.lineWidth = 1;
      } else {
        ctx.fillStyle = '#1d8f3a';
        ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 6, y + 5); ctx.lineTo(x - 6, y + 5); ctx.closePath(); ctx.fill();
      }
      addHit({ kind: 'life', x1: x - 6, x2: x + 6, y1: y - 7, y2: y + 7, v: v });
      drawn++;
    }
  }

  function drawTester() {
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    var items = D.tester, lastLabelEnd = -1, y = RULER + TESTER / 2;
    var bottom = RULER + TESTER + L * laneH;
    var colours = ['#b0b0b8', '#e08a00', '#d62828', '#8a4fd1', '#3a7bd5'];
    var first = 0;
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      if (it[0] < t0 || it[0] > t1) continue;
      var x = Math.round(X(it[0])) + 0.5, kind = it[2], text = TEXT[it[1]];
      ctx.strokeStyle = colours[kind] || '#999';
      if (kind === 1 || kind === 2) {
        ctx.lineWidth = kind === 2 ? 2 : 1;
        ctx.setLineDash(kind === 2 ? [] : [4, 3]);
        ctx.beginPath(); ctx.moveTo(x, RULER + 2); ctx.lineTo(x, bottom); ctx.stroke();
        ctx.setLineDash([]); ctx.lineWidth = 1;
      } else {
        ctx.beginPath(); ctx.moveTo(x, RULER + (kind === 0 ? 20 : 12)); ctx.lineTo(x, RULER + TESTER); ctx.stroke();
      }
      if (kind !== 0 && x > lastLabelEnd + 4) {
        var label = text.length > 48 ? text.slice(0, 47) + '…' : text;
        ctx.fillStyle = colours[kind] === '#b0b0b8' ? '#777' : colours[kind];
        ctx.fillText(label, x + 3, y - 4);
        lastLabelEnd = x + 3 + ctx.measureText(label).width;
      }
      addHit({ kind: 'tester', x1: x - 3, x2: x + 3, y1: RULER, y2: kind === 1 || kind === 2 ? bottom : RULER + TESTER, it: it });
      drawn++; first++;
    }
  }

  var failureLabel = null;
  function drawFailure() {
    if (!D.failure) return;
    var t = D.failure[0];
    if (t < t0 || t > t1) return;
    var x = Math.round(X(t)) + 0.5, bottom = RULER + TESTER + L * laneH;
    ctx.strokeStyle = '#d62828'; ctx.lineWidth = 2.5;
    ctx.beginPath(); ctx.moveTo(x, RULER); ctx.lineTo(x, bottom); ctx.stroke(); ctx.lineWidth = 1;
    ctx.font = 'bold 12px system-ui, sans-serif';
    var label = 'FAILED: ' + (D.failure[1].length > 90 ? D.failure[1].slice(0, 89) + '…' : D.failure[1]);
    var w = ctx.measureText(label).width + 10;
    var lx = Math.min(x + 4, W - RIGHT - w);
    if (lx < LEFT) lx = LEFT;
    // The label sits in the tester's strip above the lanes, so that it never
    // hides a server's lane.
    var ly = RULER + Math.round((TESTER - 18) / 2);
    failureLabel = [ly, ly + 18];
    ctx.fillStyle = 'rgba(253,232,232,0.95)'; ctx.fillRect(lx, ly, w, 18);
    ctx.strokeStyle = '#d62828'; ctx.strokeRect(lx + 0.5, ly + 0.5, w - 1, 17);
    ctx.fillStyle = '#8a1010'; ctx.textBaseline = 'middle'; ctx.fillText(label, lx + 5, ly + 9);
    addHit({ kind: 'failure', x1: x - 4, x2: x + 4, y1: RULER, y2: bottom });
    drawn++;
  }

  var AGG_MARKS = 6000;
  function drawMarks() {
    var lo = lowerBound(mt, NM, t0), hi = lowerBound(mt, NM, t1 + 1);
    var count = hi - lo, detail = count <= AGG_MARKS;
    var zoomedIn = (t1 - t0) / plotW() < 2000; // < 2 ms per pixel: show timers, persists, logs
    if (detail) {
      for (var i = lo; i < hi; i++) {
        var k = M.k[i];
        if (!zoomedIn && (k === 3 || k === 4 || k === 5)) continue;
        var lane = laneOf(M.n[i]), x = X(mt[i]), base = laneTop(lane) + laneH - 3;
        var h = k === 7 ? 16 : k === 0 || k === 1 || k === 6 ? 9 : k === 2 ? 7 : 5;
        var off = k === 3 ? -12 : k === 4 ? -7 : k === 5 ? -18 : 0;
        ctx.fillStyle = MARK[k].colour;
        if (k === 3 || k === 4 || k === 5) {
          ctx.beginPath(); ctx.arc(x, base + off, 2.2, 0, 6.283); ctx.fill();
          addHit({ kind: 'mark', x1: x - 3, x2: x + 3, y1: base + off - 3, y2: base + off + 3, i: i });
        } else {
          ctx.fillRect(x - 1, base - h, 2, h);
          addHit({ kind: 'mark', x1: x - 3, x2: x + 3, y1: base - h, y2: base, i: i });
        }
        drawn++;
      }
      return;
    }
    // Aggregated: one column of pixels per lane, height by how many applies/etc.
    var cols = Math.ceil(plotW() / 2) + 1;
    var counts = new Uint32Array(L * cols);
    for (var j = lo; j < hi; j++) {
      var kk = M.k[j];
      if (kk === 3 || kk === 4 || kk === 5) continue;
      var c = Math.floor((X(mt[j]) - LEFT) / 2);
      if (c >= 0 && c < cols) counts[laneOf(M.n[j]) * cols + c]++;
    }
    ctx.fillStyle = MARK[0].colour;
    for (var l = 0; l < L; l++) {
      var b = laneTop(l) + laneH - 3;
      for (var cc = 0; cc < cols; cc++) {
        var n = counts[l * cols + cc];
        if (!n) continue;
        var hh = Math.min(12, 3 + 2 * Math.log2(1 + n));
        ctx.fillRect(LEFT + cc * 2, b - hh, 2, hh);
        addHit({ kind: 'marks', x1: LEFT + cc * 2 - 1, x2: LEFT + cc * 2 + 3, y1: b - 12, y2: b, lane: l, n: n, ta: T(LEFT + cc * 2), tz: T(LEFT + cc * 2 + 2) });
        drawn++;
      }
    }
  }

  function arrowHead(x1, y1, x2, y2, size) {
    var a = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - size * Math.cos(a - 0.45), y2 - size * Math.sin(a - 0.45));
    ctx.lineTo(x2 - size * Math.cos(a + 0.45), y2 - size * Math.sin(a + 0.45));
    ctx.closePath();
    ctx.fill();
  }
  function cross(x, y, r) {
    ctx.beginPath(); ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); ctx.stroke();
  }

  var AGG_CALLS = 2500;
  function drawCalls() {
    var lo = lowerBound(ts, NC, t0 - SPAN), hi = lowerBound(ts, NC, t1 + 1);
    var visible = 0, i;
    for (i = lo; i < hi; i++) {
      var last = Math.max(ts[i], td[i], tr[i], tb[i], dt[i]);
      if (last >= t0) visible++;
    }
    if (visible > AGG_CALLS) { drawCallsAggregated(lo, hi); return; }
    for (i = lo; i < hi; i++) drawCall(i);
  }

  function drawCall(i) {
    var last = Math.max(ts[i], td[i], tr[i], tb[i], dt[i]);
    if (last < t0) return;
    var la = laneOf(C.a[i]), lb = laneOf(C.b[i]);
    var ya = laneMid(la), yb = laneMid(lb);
    if (la === lb) { yb = ya + 10; }
    var colour = topicColour(C.k[i]);
    var x1 = X(ts[i]);
    ctx.lineWidth = 1.2;
    if (td[i] >= 0) {
      var x2 = X(td[i]);
      ctx.strokeStyle = colour; ctx.fillStyle = colour;
      ctx.beginPath(); ctx.moveTo(x1, ya); ctx.lineTo(x2, yb); ctx.stroke();
      arrowHead(x1, ya, x2, yb, 6);
      addHit({ kind: 'call', seg: [x1, ya, x2, yb], i: i });
      drawn++;
    } else {
      // lost on the way (or never deliverable): a stub towards the server, crossed
      var sx = x1 + Math.max(6, Math.min(24, (X(ts[i] + 5000) - x1)));
      var sy = ya + (yb - ya) * 0.3;
      ctx.strokeStyle = '#d62828'; ctx.setLineDash([3, 2]);
      ctx.beginPath(); ctx.moveTo(x1, ya); ctx.lineTo(sx, sy); ctx.stroke(); ctx.setLineDash([]);
      cross(sx, sy, 3);
      addHit({ kind: 'call', seg: [x1, ya, sx, sy], i: i });
      drawn++;
    }
    if (tr[i] >= 0) {
      var rx = X(tr[i]);
      if (C.ok[i] === 1 && tb[i] >= 0) {
        var bx = X(tb[i]);
        ctx.globalAlpha = 0.55; ctx.strokeStyle = colour; ctx.fillStyle = colour;
        ctx.setLineDash([4, 2]);
        ctx.beginPath(); ctx.moveTo(rx, yb); ctx.lineTo(bx, ya); ctx.stroke(); ctx.setLineDash([]);
        arrowHead(rx, yb, bx, ya, 5);
        ctx.globalAlpha = 1;
        addHit({ kind: 'reply', seg: [rx, yb, bx, ya], i: i });
      } else {
        var qx = rx + Math.max(6, Math.min(24, (X(tr[i] + 5000) - rx)));
        var qy = yb + (ya - yb) * 0.3;
        ctx.strokeStyle = '#d62828'; ctx.setLineDash([3, 2]);
        ctx.beginPath(); ctx.moveTo(rx, yb); ctx.lineTo(qx, qy); ctx.stroke(); ctx.setLineDash([]);
        cross(qx, qy, 3);
        addHit({ kind: 'reply', seg: [rx, yb, qx, qy], i: i });
      }
      drawn++;
    }
    ctx.lineWidth = 1;
  }

  function drawCallsAggregated(lo, hi) {
    var BW = 4, cols = Math.ceil(plotW() / BW) + 1, LL = L * L;
    var count = new Uint32Array(cols * LL), drops = new Uint32Array(cols * LL);
    var delay = new Float64Array(cols * LL), topic = new Uint8Array(cols * LL);
    for (var i = lo; i < hi; i++) {
      if (ts[i] < t0 || ts[i] > t1) continue;
      var c = Math.floor((X(ts[i]) - LEFT) / BW);
      if (c < 0 || c >= cols) continue;
      var key = c * LL + laneOf(C.a[i]) * L + laneOf(C.b[i]);
      count[key]++;
      if (td[i] < 0 || (C.ok[i] === 0)) drops[key]++;
      if (td[i] >= 0) delay[key] += td[i] - ts[i];
      topic[key] = C.k[i];
    }
    for (var k = 0; k < count.length; k++) {
      var n = count[k];
      if (!n) continue;
      var col = Math.floor(k / LL), pair = k % LL, la = Math.floor(pair / L), lb = pair % L;
      var x1 = LEFT + col * BW + BW / 2, ya = laneMid(la), yb = laneMid(lb);
      if (la === lb) yb = ya + 10;
      var delivered = n - drops[k];
      var dx = delivered > 0 ? Math.max(1, (X(t0 + delay[k] / Math.max(1, delivered)) - LEFT)) : 0;
      ctx.globalAlpha = Math.min(0.9, 0.18 + 0.14 * Math.log2(1 + n));
      if (delivered > 0) {
        ctx.strokeStyle = topicColour(topic[k]);
        ctx.lineWidth = Math.min(3, 0.6 + 0.4 * Math.log2(1 + delivered));
        ctx.beginPath(); ctx.moveTo(x1, ya); ctx.lineTo(x1 + dx, yb); ctx.stroke();
      }
      if (drops[k] > 0) {
        ctx.globalAlpha = Math.min(0.6, 0.12 + 0.1 * Math.log2(1 + drops[k]));
        ctx.strokeStyle = '#d62828';
        ctx.lineWidth = Math.min(3, 0.8 + 0.5 * Math.log2(1 + drops[k]));
        ctx.beginPath(); ctx.moveTo(x1, ya); ctx.lineTo(x1 + 2, ya + (yb - ya) * 0.3); ctx.stroke();
      }
      ctx.globalAlpha = 1; ctx.lineWidth = 1;
      addHit({ kind: 'agg', seg: [x1, ya, x1 + dx, yb], la: la, lb: lb, n: n, drops: drops[k], ta: T(LEFT + col * BW), tz: T(LEFT + (col + 1) * BW) });
      drawn++;
    }
  }

  var pending = false;
  function draw() {
    pending = false;
    hits = []; drawn = 0;
    ctx.clearRect(0, 0, W, H);
    drawLanes();
    drawRuler();
    drawBands();
    drawConnectivity();
    drawMarks();
    drawCalls();
    drawTimers();
    drawLives();
    drawTester();
    drawFailure();
    // the lane labels stay readable over arrows that leave the plot
    ctx.fillStyle = 'rgba(255,255,255,0.0)';
  }
  function redraw() {
    if (!pending) { pending = true; window.requestAnimationFrame(draw); }
  }

  // ----- interaction -----
  function clampView() {
    var minSpan = 20, maxSpan = END * 1.5 + 1000;
    var span = Math.min(maxSpan, Math.max(minSpan, t1 - t0));
    if (t0 < -END * 0.25) t0 = -END * 0.25;
    if (t0 + span > END * 1.25 + 1000) t0 = END * 1.25 + 1000 - span;
    t1 = t0 + span;
  }
  function fit() { t0 = 0; t1 = END * 1.02; redraw(); }
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var at = T(e.offsetX), f = Math.exp((e.deltaMode === 1 ? e.deltaY * 30 : e.deltaY) * 0.0015);
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      var shift = (e.deltaX || e.deltaY) / plotW() * (t1 - t0);
      t0 += shift; t1 += shift;
    } else {
      t0 = at - (at - t0) * f; t1 = at + (t1 - at) * f;
    }
    clampView(); hideTip(); redraw();
  }, { passive: false });
  var drag = null;
  canvas.addEventListener('mousedown', function (e) {
    drag = { x: e.clientX, t0: t0, t1: t1 }; canvas.classList.add('dragging'); hideTip();
  });
  window.addEventListener('mouseup', function () { drag = null; canvas.classList.remove('dragging'); });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var dtu = (e.clientX - drag.x) / plotW() * (drag.t1 - drag.t0);
    t0 = drag.t0 - dtu; t1 = drag.t1 - dtu; clampView(); redraw();
  });
  canvas.addEventListener('dblclick', fit);
  document.getElementById('fit').addEventListener('click', fit);
  var toFail = document.getElementById('tofail');
  if (toFail && D.failure) {
    toFail.addEventListener('click', function () {
      var t = D.failure[0], span = Math.min(END, 3e6);
      t0 = t - span * 0.8; t1 = t + span * 0.2; clampView(); redraw();
    });
  }
  window.addEventListener('keydown', function (e) {
    var span = t1 - t0, mid = (t0 + t1) / 2;
    if (e.key === '+' || e.key === '=') { t0 = mid - span / 3; t1 = mid + span / 3; }
    else if (e.key === '-') { t0 = mid - span; t1 = mid + span; }
    else if (e.key === 'ArrowLeft') { t0 -= span / 5; t1 -= span / 5; }
    else if (e.key === 'ArrowRight') { t0 += span / 5; t1 += span / 5; }
    else if (e.key === '0') { fit(); return; }
    else return;
    clampView(); redraw();
  });
  window.addEventListener('resize', function () { resize(); redraw(); });

  // ----- tooltips -----
  function pretty(text) {
    // Indents Debug output: a newline after each opening bracket and top comma.
    if (text.length < 90) return text;
    var out = '', depth = 0, inStr = false, pad = function (d) { return '\n' + '  '.repeat(Math.min(d, 12)); };
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (inStr) { out += ch; if (ch === '\\') { out += text[++i] || ''; } else if (ch === '"') inStr = false; continue; }
      if (ch === '"') { inStr = true; out += ch; continue; }
      if (ch === '{' || ch === '[' || ch === '(') {
        var close = ch === '{' ? '}' : ch === '[' ? ']' : ')';
        var j = text.indexOf(close, i);
        var inner = j > 0 ? text.slice(i, j + 1) : '';
        if (inner && inner.length < 60 && inner.slice(1).search(/[\[\{\(]/) < 0) { out += inner; i = j; continue; }
        depth++; out += ch + pad(depth);
        if (text[i + 1] === ' ') i++;
        continue;
      }
      if (ch === '}' || ch === ']' || ch === ')') { depth = Math.max(0, depth - 1); out = out.replace(/\s+$/, ''); out += pad(depth) + ch; continue; }
      if (ch === ',' && depth > 0) { out += ',' + pad(depth); if (text[i + 1] === ' ') i++; continue; }
      out += ch;
    }
    return out.length > 6000 ? out.slice(0, 6000) + '\n…' : out;
  }
  function s(t) { return fmtTime(t) + 's'; }
  function describe(h) {
    var i, lines;
    switch (h.kind) {
      case 'call':
      case 'reply':
        i = h.i;
        lines = ['call #' + C.id[i] + '  ' + nodeName(C.a[i]) + ' → ' + nodeName(C.b[i]) + '  [' + D.topics[C.k[i]] + ']'];
        lines.push('sent ' + s(ts[i]) + (td[i] >= 0 ? ', delivered ' + s(td[i]) + ' (+' + ((td[i] - ts[i]) / 1000).toFixed(3) + ' ms)' : ''));
        if (C.dr[i] >= 0) lines.push('DROPPED: ' + C.reasons[C.dr[i]] + ' (at ' + s(dt[i]) + ')');
        lines.push('', pretty(TEXT[C.m[i]]));
        if (C.r[i] >= 0) {
          lines.push('', 'reply ' + s(tr[i]) + (tb[i] >= 0 && C.ok[i] === 1 ? ', returned ' + s(tb[i]) : ''));
          lines.push(pretty(TEXT[C.r[i]]));
        }
        if (C.ok[i] === 0) lines.push('', 'the call failed at the caller at ' + s(tb[i]));
        return lines.join('\n');
      case 'agg':
        return h.n + ' call' + (h.n > 1 ? 's' : '') + ' ' + D.lanes[h.la] + ' → ' + D.lanes[h.lb] +
          (h.drops ? ', ' + h.drops + ' dropped or failed' : '') + '\nsent ' + s(Math.max(0, h.ta)) + ' – ' + s(h.tz) + '\n(zoom in for each message)';
      case 'band':
        var b = h.b, r = ROLE[b[3]] || ROLE[4];
        return D.lanes[b[0]] + ': ' + r.name + (b[3] === 3 ? '' : ', term ' + b[4]) + '\n' + s(b[1]) + ' – ' + s(b[2]);
      case 'conn':
        var c = h.c, can = [], cannot = [];
        for (var j = 0; j < SERVERS; j++) { if (j === c[0]) continue; (Math.floor(c[3] / Math.pow(2, j)) % 2 ? can : cannot).push(j); }
        return D.lanes[c[0]] + ' can send to: ' + (can.length ? can.join(' ') : 'nobody') + (cannot.length ? '\ncut off from: ' + cannot.join(' ') : '') + '\n' + s(c[1]) + ' – ' + s(c[2]);
      case 'life':
        return D.lanes[h.v[0]] + (h.v[2] ? ' CRASHED (life ' : ' started (life ') + h.v[3] + ') at ' + s(h.v[1]);
      case 'tester':
        return 'tester at ' + s(h.it[0]) + ':\n' + TEXT[h.it[1]];
      case 'failure':
        return 'FAILED at ' + s(D.failure[0]) + ':\n' + D.failure[1];
      case 'timer':
        var tm = h.tm, how = ['fired at ', 'cancelled at ', 'still set when the run ended at ', 'lost in a crash at '][tm[3]];
        return D.lanes[tm[0]] + ': timer ' + TEXT[tm[4]] + '\nset at ' + s(tm[1]) + ', ' + how + s(tm[2]);
      case 'mark':
        i = h.i;
        return nodeName(M.n[i]) + ' at ' + s(mt[i]) + ' [' + MARK[M.k[i]].name + ']\n' + pretty(TEXT[M.x[i]]);
      case 'marks':
        return h.n + ' applies / commits / completions on ' + D.lanes[h.lane] + '\n' + s(Math.max(0, h.ta)) + ' – ' + s(h.tz);
    }
    return '';
  }
  function segDist(px, py, seg) {
    var x1 = seg[0], y1 = seg[1], x2 = seg[2], y2 = seg[3], dx = x2 - x1, dy = y2 - y1;
    var len = dx * dx + dy * dy, u = len ? ((px - x1) * dx + (py - y1) * dy) / len : 0;
    u = Math.max(0, Math.min(1, u));
    var ex = x1 + u * dx - px, ey = y1 + u * dy - py;
    return Math.sqrt(ex * ex + ey * ey);
  }
  function hitAt(x, y) {
    var best = null, bestD = 5, boxed = null, order = { life: 0, failure: 1, mark: 2, marks: 3, tester: 4, timer: 5, band: 6, conn: 7 };
    for (var i = 0; i < hits.length; i++) {
      var h = hits[i];
      if (h.seg) {
        var d = segDist(x, y, h.seg);
        if (d < bestD) { bestD = d; best = h; }
      } else if (x >= h.x1 && x <= h.x2 && y >= h.y1 && y <= h.y2) {
        if (!boxed || order[h.kind] < order[boxed.kind]) boxed = h;
      }
    }
    if (boxed && (boxed.kind === 'life' || boxed.kind === 'mark' || boxed.kind === 'failure' || !best)) return boxed;
    return best;
  }
  function hideTip() { tip.hidden = true; }
  canvas.addEventListener('mousemove', function (e) {
    if (drag) return;
    var h = hitAt(e.offsetX, e.offsetY);
    if (!h) { hideTip(); return; }
    tip.textContent = describe(h);
    tip.hidden = false;
    var x = e.offsetX + 14, y = e.offsetY + 14;
    var tw = tip.offsetWidth, th = tip.offsetHeight;
    if (x + tw > W - 4) x = Math.max(4, e.offsetX - tw - 10);
    if (y + th > H - 4) y = Math.max(4, e.offsetY - th - 10);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  });
  canvas.addEventListener('mouseleave', hideTip);

  // ----- first frame -----
  resize();
  fit();
  // An initial view from the address: #t=FROM-TO in seconds (e.g. #t=2.1-2.6).
  (function () {
    var m = /(?:^#|&)t=([0-9.]+)-([0-9.]+)/.exec(window.location.hash || '');
    if (m && parseFloat(m[2]) > parseFloat(m[1])) {
      t0 = parseFloat(m[1]) * 1e6; t1 = parseFloat(m[2]) * 1e6; clampView();
    }
  })();
  var started = window.performance ? performance.now() : 0;
  draw();
  var renderMs = window.performance ? performance.now() - started : 0;
  var events = NC + NM + D.tester.length + D.lives.length + D.bands.length + D.timers.length;
  statusEl.setAttribute('data-lanes', String(L));
  statusEl.setAttribute('data-events', String(events));
  statusEl.setAttribute('data-calls', String(NC));
  statusEl.setAttribute('data-drawn', String(drawn));
  statusEl.setAttribute('data-render-ms', renderMs.toFixed(1));
  // Where the failure's label was drawn, beside where the lanes begin, so a
  // check can tell that it hides no lane.
  if (failureLabel) {
    statusEl.setAttribute('data-failure-label', failureLabel[0] + '-' + failureLabel[1]);
    statusEl.setAttribute('data-lanes-top', String(laneTop(0)));
  }
  statusEl.setAttribute('data-ready', '1');
  statusEl.textContent = L + ' lanes, ' + events + ' events (' + NC + ' calls), ' + drawn + ' shapes drawn';
})();
