'use strict';
// Scarlet dashboard: plain JS, no external assets. Every value from the server is written with textContent.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('scarlet.token');
let dashboardSocket = null;
let trackingSocket = null;
let timers = [];
// Bumped at every log-out: a response that arrives for an earlier session is dropped, not drawn.
let session = 0;
const auditPageSize = 20;
let auditOffset = 0;

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = 'Bearer ' + token;
  if (options.body && !(options.body instanceof FormData)) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (res.status === 401 && path !== '/admin/login') { logout(); throw new Error('Session expired'); }
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((body && body.detail) || res.statusText);
  return body;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = c ?? ''; tr.appendChild(td); }
  return tr;
}

function prepend(listId, text, cls, max = 50) {
  const list = $(listId);
  list.insertBefore(el('li', text, cls), list.firstChild);
  while (list.children.length > max) list.removeChild(list.lastChild);
}

const time = (t) => new Date(t).toLocaleTimeString();
const when = (t) => (t ? new Date(t).toLocaleString() : '');
// A datetime-local input's value (local time) as ISO 8601, or null when empty.
const isoOf = (v) => (v ? new Date(v).toISOString() : null);

async function login(ev) {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    const r = await api('/admin/login', { method: 'POST', body: JSON.stringify({ username: $('username').value, password: $('password').value }) });
    token = r.access_token;
    sessionStorage.setItem('scarlet.token', token);
    $('password').value = '';
    start();
  } catch (e) { $('login-error').textContent = e.message; }
}

// Log-out forgets: the page and memory keep no customer, person, detection or credential of the session, and no
// socket, stream or timer of it runs on (the next person at this screen sees the log-in card only).
async function logout() {
  const old = token;
  token = null;
  session++;
  sessionStorage.removeItem('scarlet.token');
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const s of [dashboardSocket, trackingSocket]) if (s) { s.onmessage = null; s.onclose = null; s.close(); }
  dashboardSocket = null; trackingSocket = null;
  $('live').removeAttribute('src');
  for (const id of ['present', 'customers', 'detections', 'alerts', 'promotions', 'camera-select', 'stats', 'register-result', 'status',
    'keys', 'new-key', 'key-result', 'audit', 'audit-page', 'audit-error']) $(id).textContent = '';
  $('frame-index').textContent = '-'; $('track-count').textContent = '0'; $('alert-count').textContent = '0';
  for (const id of ['register-form', 'key-form', 'audit-form']) $(id).reset();
  for (const id of ['keys-card', 'audit-card', 'new-key-box']) $(id).hidden = true;
  auditOffset = 0;
  $('password').value = '';
  $('app-view').hidden = true; $('logout').hidden = true; $('login-view').hidden = false;
  if (old) { try { await fetch('/admin/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + old } }); } catch { /* ignore */ } }
}

// Calls the API for the current session; resolves to null when the session ended meanwhile (nothing to draw).
async function forSession(path, options) {
  const s = session;
  const r = await api(path, options);
  return s === session && token ? r : null;
}

function wsUrl(path) { return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path; }

// Sockets and the <img> stream cannot send the Authorization header: they get a ticket for their one path, valid 60 s
// (the token itself never goes into a URL, where proxies and logs would keep it).
async function withTicket(path) {
  const r = await api('/api/stream-tickets', { method: 'POST', body: JSON.stringify({ path }) });
  return path + '?ticket=' + encodeURIComponent(r.ticket);
}

async function connectDashboard() {
  let url;
  const s = session;
  try { url = await withTicket('/ws/dashboard'); } catch { if (token) setTimeout(connectDashboard, 2000); return; }
  if (s !== session || !token) return;
  dashboardSocket = new WebSocket(wsUrl(url));
  dashboardSocket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    const d = msg.data || {};
    switch (msg.type) {
      case 'stats': $('stats').textContent = `${d.total_users} customers · ${d.websocket_clients} live clients · ${d.active_alerts} alerts`; $('alert-count').textContent = d.active_alerts; break;
      case 'detection': prepend('detections', `${time(msg.timestamp)} ${d.camera_id}: ${d.status}${d.customer_id ? ' ' + d.customer_id.slice(0, 8) : ''} (${Number(d.confidence).toFixed(2)})`); break;
      case 'customer_identified': prepend('detections', `${time(msg.timestamp)} customer ${d.customer_id.slice(0, 8)} identified at ${d.camera_id}`, 'level-info'); break;
      case 'action': prepend('promotions', `${time(msg.timestamp)} recommend ${d.recommended_products.join(', ')} to ${d.customer_id.slice(0, 8)}`); break;
      case 'promotion': prepend('promotions', `${time(msg.timestamp)} "${d.title}" shown to ${d.customer_id.slice(0, 8)}`); break;
      case 'alert': { const a = d.alert || {}; prepend('alerts', `${time(msg.timestamp)} [${a.level}] ${a.message}`, 'level-' + a.level); break; }
      case 'customer_registered': case 'customer_erased': case 'customers_merged': loadCustomers(); break;
      default: break;
    }
  };
  dashboardSocket.onclose = () => { if (token) setTimeout(connectDashboard, 2000); };
}

async function connectTracking() {
  let url;
  const s = session;
  try { url = await withTicket('/ws/tracking'); } catch { if (token) setTimeout(connectTracking, 2000); return; }
  if (s !== session || !token) return;
  trackingSocket = new WebSocket(wsUrl(url));
  trackingSocket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    const cam = $('camera-select').value;
    const c = msg.payload && msg.payload.cameras && msg.payload.cameras[cam];
    if (!c) return;
    $('frame-index').textContent = msg.payload.global_frame_index;
    $('track-count').textContent = c.tracks.length;
  };
  trackingSocket.onclose = () => { if (token) setTimeout(connectTracking, 2000); };
}

async function loadCameras() {
  const cams = await forSession('/cameras');
  if (!cams) return;
  const sel = $('camera-select');
  const current = sel.value;
  sel.textContent = '';
  for (const c of cams) { const o = el('option', `${c.name} (${c.status})`); o.value = c.id; sel.appendChild(o); }
  if (current && cams.some((c) => c.id === current)) sel.value = current;
  if (sel.value !== current) showCamera();
}

async function showCamera() {
  const id = $('camera-select').value;
  if (!id) return;
  const s = session;
  try { const url = await withTicket('/cameras/' + encodeURIComponent(id) + '/stream'); if (s === session && token) $('live').src = url; } catch { /* logged out or camera gone */ }
}

async function loadPresent() {
  const r = await forSession('/api/analytics/active-persons');
  if (!r) return;
  const body = $('present');
  body.textContent = '';
  for (const p of r.present.slice(0, 50)) body.appendChild(row([p.person_id, p.name || (p.customer_id ? p.customer_id.slice(0, 8) : 'unknown'), p.loyalty_status || '', time(p.first_seen)]));
}

async function loadCustomers() {
  const r = await forSession('/api/customers?limit=200');
  if (!r) return;
  const body = $('customers');
  body.textContent = '';
  for (const c of r.items) {
    const erase = el('button', 'Erase');
    erase.dataset.customerId = c.id;
    erase.addEventListener('click', async () => {
      if (!confirm(`Erase ${c.name} and all their data?`)) return;
      try { await api('/api/customers/' + encodeURIComponent(c.id), { method: 'DELETE' }); loadCustomers(); } catch (e) { alert(e.message); }
    });
    body.appendChild(row([c.name, c.email || '', c.loyalty_status, c.visit_count, new Date(c.created_at).toLocaleString(), erase]));
  }
}

async function loadAlerts() {
  const alerts = await forSession('/api/alerts?active_only=true&limit=20');
  if (!alerts) return;
  $('alert-count').textContent = alerts.length;
  const list = $('alerts');
  if (list.children.length === 0) for (const a of alerts) list.appendChild(el('li', `${time(a.raised_at)} [${a.level}] ${a.message}`, 'level-' + a.level));
}

function readFile(file) {
  return new Promise((resolve, reject) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.onerror = reject; r.readAsDataURL(file); });
}

async function register(ev) {
  ev.preventDefault();
  const out = $('register-result');
  out.textContent = 'Registering…'; out.className = '';
  try {
    const photo = await readFile($('reg-photo').files[0]);
    const r = await api('/register', { method: 'POST', body: JSON.stringify({ name: $('reg-name').value, email: $('reg-email').value || null, face_image_b64: photo }) });
    out.textContent = 'Registered ' + r.customer_id + (r.possible_duplicate ? ' (looks like ' + (r.possible_duplicate_of || 'another customer') + ': flagged for review)' : '');
    $('register-form').reset();
    loadCustomers();
  } catch (e) { out.textContent = e.message; out.className = 'error'; }
}

// API keys (admins): the secret is shown once, in its own box, until "Done" or log-out; the list never has it.
async function loadKeys() {
  const keys = await forSession('/api/keys');
  if (!keys) return;
  const body = $('keys');
  body.textContent = '';
  const now = new Date();
  for (const k of keys) {
    const state = k.revoked ? 'revoked' : (k.expires_at && new Date(k.expires_at) <= now ? 'expired' : 'active');
    let revoke = '';
    if (state === 'active') {
      revoke = el('button', 'Revoke');
      revoke.addEventListener('click', async () => {
        if (!confirm(`Revoke the key "${k.name}"? Whatever uses it stops at once.`)) return;
        try { await api('/api/keys/' + encodeURIComponent(k.id), { method: 'DELETE' }); await loadKeys(); } catch (e) { $('key-result').textContent = e.message; }
      });
    }
    const tr = row([k.name, k.scopes.join(', '), when(k.created_at), when(k.expires_at) || 'never', when(k.last_used_at) || 'never', state, revoke]);
    tr.dataset.keyId = k.id;
    body.appendChild(tr);
  }
}

async function createKey(ev) {
  ev.preventDefault();
  const out = $('key-result');
  out.textContent = ''; out.className = '';
  const scopes = Array.from(document.querySelectorAll('input[name="key-scope"]:checked'), (c) => c.value);
  try {
    const r = await api('/api/keys', { method: 'POST', body: JSON.stringify({ name: $('key-name').value, scopes, expires_at: isoOf($('key-expires').value) }) });
    $('new-key').textContent = r.key;
    $('new-key-box').hidden = false;
    $('key-form').reset();
    await loadKeys();
  } catch (e) { out.textContent = e.message; out.className = 'error'; }
}

function forgetNewKey() { $('new-key').textContent = ''; $('new-key-box').hidden = true; }

// The audit trail (admins), newest first, a page at a time, with the API's filters.
async function loadAudit() {
  const q = new URLSearchParams({ limit: String(auditPageSize), offset: String(auditOffset) });
  const filters = { customer_id: $('audit-customer').value.trim(), principal: $('audit-principal').value.trim(), from: isoOf($('audit-from').value), to: isoOf($('audit-to').value) };
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  $('audit-error').textContent = '';
  let r;
  try { r = await forSession('/api/audit?' + q.toString()); } catch (e) { $('audit-error').textContent = e.message; return; }
  if (!r) return;
  const body = $('audit');
  body.textContent = '';
  for (const a of r.items) body.appendChild(row([when(a.at), a.principal, a.action, a.subject === '-' ? '' : a.subject, a.outcome, a.detail]));
  $('audit-page').textContent = r.total === 0 ? 'no entries' : `${auditOffset + 1}-${auditOffset + r.items.length} of ${r.total}`;
  $('audit-prev').disabled = auditOffset === 0;
  $('audit-next').disabled = auditOffset + r.items.length >= r.total;
}

function searchAudit(ev) { ev.preventDefault(); auditOffset = 0; loadAudit(); }

function pageAudit(step) { auditOffset = Math.max(0, auditOffset + step * auditPageSize); loadAudit(); }

function safe(fn) { return () => fn().catch((e) => { $('status').textContent = e.message; }); }

async function start() {
  $('login-view').hidden = true; $('app-view').hidden = false; $('logout').hidden = false;
  let me;
  try { me = await api('/admin/me'); } catch { return; }
  $('status').textContent = '';
  // Keys and audit are for admins; the API refuses the others anyway (403), the page just does not offer them.
  const admin = me.role === 'admin' || me.role === 'superadmin';
  $('keys-card').hidden = !admin; $('audit-card').hidden = !admin;
  const loads = [safe(loadCameras)(), safe(loadCustomers)(), safe(loadPresent)(), safe(loadAlerts)()];
  if (admin) loads.push(safe(loadKeys)(), safe(loadAudit)());
  await Promise.all(loads);
  connectDashboard();
  connectTracking();
  timers.push(setInterval(safe(loadPresent), 2000));
  timers.push(setInterval(safe(loadCameras), 15000));
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('register-form').addEventListener('submit', register);
  $('camera-select').addEventListener('change', showCamera);
  $('key-form').addEventListener('submit', createKey);
  $('new-key-done').addEventListener('click', forgetNewKey);
  $('audit-form').addEventListener('submit', searchAudit);
  $('audit-prev').addEventListener('click', () => pageAudit(-1));
  $('audit-next').addEventListener('click', () => pageAudit(1));
  if (token) start();
});
