'use strict';
// Scarlet dashboard: plain JS over the public API, pages switched by the URL's hash, charts by the vendored Chart.js
// (lib/chartjs, scripts/vendor-dashboard.sh). No inline script or style (strict CSP); every value from the server is
// written with textContent.
const $ = (id) => document.getElementById(id);
const pages = ['live', 'customers', 'promotions', 'cameras', 'alerts', 'analytics', 'settings'];
let token = sessionStorage.getItem('scarlet.token');
let me = null;
let dashboardSocket = null;
let trackingSocket = null;
let timers = [];
let charts = [];
// Bumped at every log-out: a response that arrives for an earlier session is dropped, not drawn.
let session = 0;
const auditPageSize = 20;
let auditOffset = 0;
const customerPageSize = 25;
let customerOffset = 0;
let selectedCustomer = null;
// Names the page already has, to say detections in words (no extra per-customer reads, which the audit trail records).
const customerNames = new Map();
const cameraInfo = new Map();

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

function button(text, onClick, cls) {
  const b = el('button', text, cls);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
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
const canOperate = () => me && me.role !== 'viewer';
const isAdmin = () => me && (me.role === 'admin' || me.role === 'superadmin');

// Recognition statuses in plain words.
const statusWords = { matched: 'recognised', new_face: 'new face', multiple_matches: 'not sure who (looks like several customers)', unknown: 'not recognised' };
const statusText = (s) => statusWords[String(s || '').toLowerCase()] || String(s || '').toLowerCase();
const customerName = (id) => (id ? customerNames.get(id) || 'customer ' + id.slice(0, 8) : null);
function cameraWords(id) {
  const c = cameraInfo.get(id);
  return c ? `${c.name}${c.zone ? ' (' + c.zone + ')' : ''}` : id;
}
// "12:01:02 Amelia Vega, recognised at Door (entrance)"; "12:01:05 someone, not recognised at Door (entrance)".
function detectionWords(d, at) {
  const who = customerName(d.customer_id) || 'someone';
  return `${time(at)} ${who}, ${statusText(d.status)} at ${cameraWords(d.camera_id)}`;
}

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
// socket, stream, chart or timer of it runs on (the next person at this screen sees the log-in card only).
async function logout() {
  const old = token;
  token = null;
  me = null;
  session++;
  sessionStorage.removeItem('scarlet.token');
  for (const t of timers) clearInterval(t);
  timers = [];
  for (const c of charts) c.destroy();
  charts = [];
  for (const s of [dashboardSocket, trackingSocket]) if (s) { s.onmessage = null; s.onclose = null; s.close(); }
  dashboardSocket = null; trackingSocket = null;
  $('live').removeAttribute('src');
  customerNames.clear(); cameraInfo.clear();
  selectedCustomer = null; auditOffset = 0; customerOffset = 0;
  for (const id of ['present', 'customers', 'detections', 'promotions', 'camera-select', 'camera-grid', 'stats', 'register-result', 'status',
    'keys', 'new-key', 'key-result', 'audit', 'audit-page', 'audit-error', 'whoami', 'customer-page', 'cd-name', 'cd-facts', 'cd-purchases',
    'cd-detections', 'cd-promotions', 'cd-error', 'promo-list', 'promo-result', 'camera-list', 'cam-result', 'alert-list', 'an-summary', 'an-outcomes', 'an-occ-summary',
    'users', 'user-result']) { const e = $(id); if (e) e.textContent = ''; }
  $('frame-index').textContent = '-'; $('track-count').textContent = '0'; $('alert-count').textContent = '0'; $('present-count').textContent = '0';
  for (const id of ['register-form', 'key-form', 'audit-form', 'customer-search-form', 'promo-form', 'camera-form', 'user-form']) $(id).reset();
  resetPromotionForm();
  for (const id of ['keys-card', 'audit-card', 'new-key-box', 'customer-detail', 'single-card']) $(id).hidden = true;
  $('grid-card').hidden = false;
  $('password').value = ''; $('an-occ-date').value = '';
  $('app-view').hidden = true; $('nav').hidden = true; $('logout').hidden = true; $('login-view').hidden = false;
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

// ---- pages ----

function currentPage() {
  const p = location.hash.replace('#', '');
  return pages.includes(p) && (p !== 'settings' || isAdmin()) ? p : 'live';
}

const loaders = {
  live: () => Promise.all([loadCameras(), loadPresent()]),
  customers: () => loadCustomers(),
  promotions: () => loadPromotions(),
  cameras: () => loadCameraList(),
  alerts: () => loadAlertList(),
  analytics: () => loadAnalytics(),
  settings: () => Promise.all([loadUsers(), loadKeys(), loadAudit()]),
};

function showPage() {
  if (!me) return;
  const page = currentPage();
  for (const p of pages) $('page-' + p).hidden = p !== page;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
  // Streams run only while the live page shows (each <img> holds a connection and a camera's encoder).
  if (page !== 'live') { for (const img of document.querySelectorAll('#camera-grid img')) img.removeAttribute('src'); $('live').removeAttribute('src'); }
  safe(loaders[page])();
}

// ---- live ----

function connectDashboard() {
  const s = session;
  withTicket('/ws/dashboard').then((url) => {
    if (s !== session || !token) return;
    dashboardSocket = new WebSocket(wsUrl(url));
    dashboardSocket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      const d = msg.data || {};
      switch (msg.type) {
        case 'stats': $('stats').textContent = `${d.total_users} customers · ${d.active_alerts} open alerts`; $('alert-count').textContent = d.active_alerts; break;
        case 'detection': prepend('detections', detectionWords(d, msg.timestamp), 'status-' + String(d.status || '').toLowerCase()); break;
        case 'customer_identified': prepend('detections', `${time(msg.timestamp)} ${customerName(d.customer_id)}, identified at ${cameraWords(d.camera_id)}`, 'level-info'); break;
        case 'action': prepend('promotions', `${time(msg.timestamp)} recommend ${d.recommended_products.join(', ')} to ${customerName(d.customer_id)}`); break;
        case 'promotion': prepend('promotions', `${time(msg.timestamp)} "${d.title}" shown to ${customerName(d.customer_id)}`); break;
        case 'alert': { const a = d.alert || {}; $('alert-count').textContent = Number($('alert-count').textContent) + 1; if (currentPage() === 'alerts') safe(loadAlertList)(); prepend('detections', `${time(msg.timestamp)} alert (${a.level}): ${a.message}`, 'level-' + a.level); break; }
        case 'customer_registered': case 'customer_erased': case 'customers_merged': if (currentPage() === 'customers') safe(loadCustomers)(); break;
        default: break;
      }
    };
    dashboardSocket.onclose = () => { if (token && s === session) setTimeout(connectDashboard, 2000); };
  }).catch(() => { if (token && s === session) setTimeout(connectDashboard, 2000); });
}

function connectTracking() {
  const s = session;
  withTicket('/ws/tracking').then((url) => {
    if (s !== session || !token) return;
    trackingSocket = new WebSocket(wsUrl(url));
    trackingSocket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      $('frame-index').textContent = msg.payload.global_frame_index;
      const cam = $('camera-select').value;
      const c = msg.payload.cameras && msg.payload.cameras[cam];
      if (c) $('track-count').textContent = c.tracks.length;
    };
    trackingSocket.onclose = () => { if (token && s === session) setTimeout(connectTracking, 2000); };
  }).catch(() => { if (token && s === session) setTimeout(connectTracking, 2000); });
}

async function streamInto(img, cameraId) {
  const s = session;
  try { const url = await withTicket('/cameras/' + encodeURIComponent(cameraId) + '/stream'); if (s === session && token && currentPage() === 'live') img.src = url; } catch { /* logged out or camera gone */ }
}

async function loadCameras() {
  const cams = await forSession('/cameras');
  if (!cams) return;
  for (const c of cams) cameraInfo.set(c.id, c);
  const sel = $('camera-select');
  const current = sel.value;
  sel.textContent = '';
  for (const c of cams) { const o = el('option', `${c.name} (${c.status})`); o.value = c.id; sel.appendChild(o); }
  if (current && cams.some((c) => c.id === current)) sel.value = current;
  // The grid: one tile per camera with its overlay stream; a tile is kept (and its stream) while the camera exists.
  const grid = $('camera-grid');
  const ids = new Set(cams.map((c) => c.id));
  for (const t of Array.from(grid.children)) if (!ids.has(t.dataset.cameraId)) grid.removeChild(t);
  for (const c of cams) {
    let tile = grid.querySelector(`[data-camera-id="${CSS.escape(c.id)}"]`);
    if (!tile) {
      tile = el('button', null, 'tile');
      tile.type = 'button';
      tile.dataset.cameraId = c.id;
      const img = el('img'); img.alt = 'Camera ' + c.name;
      tile.append(img, el('span'));
      tile.addEventListener('click', () => watchCamera(c.id));
      grid.appendChild(tile);
    }
    tile.querySelector('span').textContent = `${c.name} · ${c.zone} · ${c.status}`;
    const img = tile.querySelector('img');
    if (!img.getAttribute('src') && $('single-card').hidden) streamInto(img, c.id);
  }
}

function watchCamera(id) {
  $('camera-select').value = id;
  for (const img of document.querySelectorAll('#camera-grid img')) img.removeAttribute('src');
  $('grid-card').hidden = true; $('single-card').hidden = false;
  streamInto($('live'), id);
}

function backToGrid() {
  $('live').removeAttribute('src');
  $('single-card').hidden = true; $('grid-card').hidden = false;
  safe(loadCameras)();
}

async function loadPresent() {
  const r = await forSession('/api/analytics/active-persons');
  if (!r) return;
  // One count: the people listed here (the same list the API calls present).
  $('present-count').textContent = r.present.length;
  const body = $('present');
  body.textContent = '';
  for (const p of r.present.slice(0, 50)) {
    const who = p.name || (p.customer_id ? customerName(p.customer_id) : 'not recognised');
    const where = p.camera_id ? cameraWords(p.camera_id) : '';
    body.appendChild(row([p.person_id, who, p.loyalty_status || '', where, time(p.first_seen)]));
  }
}

// ---- customers ----

async function loadCustomers() {
  const q = $('customer-search').value.trim().toLowerCase();
  // The API pages by offset; a search looks through the first 1000 (the API's largest page) and pages here.
  const r = await forSession(q ? '/api/customers?limit=1000' : `/api/customers?limit=${customerPageSize}&offset=${customerOffset}`);
  if (!r) return;
  for (const c of r.items) customerNames.set(c.id, c.name);
  let items = r.items;
  let total = r.total;
  let offset = customerOffset;
  if (q) {
    items = items.filter((c) => c.name.toLowerCase().includes(q) || (c.email || '').toLowerCase().includes(q) || c.id.startsWith(q));
    total = items.length;
    items = items.slice(offset, offset + customerPageSize);
  }
  const body = $('customers');
  body.textContent = '';
  for (const c of items) {
    const tr = row([c.name, c.email || '', c.loyalty_status, c.visit_count, when(c.created_at)]);
    tr.className = 'clickable' + (selectedCustomer === c.id ? ' selected' : '');
    tr.dataset.customerId = c.id;
    tr.addEventListener('click', () => showCustomer(c.id));
    body.appendChild(tr);
  }
  $('customer-page').textContent = total === 0 ? 'no customers' : `${offset + 1}-${offset + items.length} of ${total}`;
  $('customer-prev').disabled = offset === 0;
  $('customer-next').disabled = offset + items.length >= total;
}

function searchCustomers(ev) { ev.preventDefault(); customerOffset = 0; safe(loadCustomers)(); }
function pageCustomers(step) { customerOffset = Math.max(0, customerOffset + step * customerPageSize); safe(loadCustomers)(); }

async function showCustomer(id) {
  selectedCustomer = id;
  for (const tr of document.querySelectorAll('#customers tr')) tr.classList.toggle('selected', tr.dataset.customerId === id);
  $('cd-error').textContent = '';
  const [c, purchases, detections, promos] = await Promise.all([
    forSession('/customer/' + encodeURIComponent(id)),
    forSession('/api/customers/' + encodeURIComponent(id) + '/purchases'),
    forSession('/api/detections?limit=50&customer_id=' + encodeURIComponent(id)),
    forSession('/promotions/' + encodeURIComponent(id)).catch(() => []),
  ]);
  if (!c || selectedCustomer !== id) return;
  $('customer-detail').hidden = false;
  $('customer-detail').dataset.customerId = id;
  $('cd-name').textContent = c.name;
  const facts = $('cd-facts');
  facts.textContent = '';
  const add = (k, v) => { facts.append(el('dt', k), el('dd', v)); };
  add('Id', c.id);
  add('E-mail', c.email || '');
  add('Loyalty', c.loyalty_status);
  add('Visits', c.visit_count);
  add('Total spend', Number(c.total_spend).toFixed(2));
  add('Consent', c.has_consent ? 'recorded' : 'none recorded');
  add('Registered', when(c.created_at) + (c.is_auto_registered ? ' (automatically)' : ''));
  const pb = $('cd-purchases');
  pb.textContent = '';
  for (const p of (Array.isArray(purchases) ? purchases : (purchases && purchases.items) || [])) pb.appendChild(row([when(p.purchased_at), p.product_id, p.quantity, Number(p.amount).toFixed(2)]));
  const db = $('cd-detections');
  db.textContent = '';
  for (const d of (detections ? detections.items : [])) db.appendChild(row([when(d.timestamp), cameraWords(d.camera_id), statusText(d.status)]));
  const pl = $('cd-promotions');
  pl.textContent = '';
  for (const p of promos || []) pl.appendChild(el('li', `${p.title}${p.discount ? ' · ' + p.discount : ''}`));
}

async function exportCustomer() {
  const id = selectedCustomer;
  if (!id) return;
  try {
    const data = await api('/api/customers/' + encodeURIComponent(id) + '/export');
    const a = el('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    a.download = `customer-${id}.json`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) { $('cd-error').textContent = e.message; }
}

async function eraseCustomer() {
  const id = selectedCustomer;
  if (!id) return;
  if (!confirm(`Erase ${$('cd-name').textContent} and all their data? This cannot be undone.`)) return;
  try {
    await api('/api/customers/' + encodeURIComponent(id), { method: 'DELETE' });
    customerNames.delete(id);
    selectedCustomer = null;
    $('customer-detail').hidden = true;
    await loadCustomers();
  } catch (e) { $('cd-error').textContent = e.message; }
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
    await loadCustomers();
  } catch (e) { out.textContent = e.message; out.className = 'error'; }
}

// ---- promotions ----

function promotionStatus(p) {
  if (!p.enabled) return 'off';
  if (p.active) return 'active';
  return new Date(p.valid_from) > new Date() ? 'scheduled' : 'expired';
}

async function loadPromotions() {
  const list = await forSession('/api/promotions?limit=1000');
  if (!list) return;
  const body = $('promo-list');
  body.textContent = '';
  for (const p of list) {
    const actions = el('span');
    if (canOperate()) {
      actions.appendChild(button('Edit', () => editPromotion(p)));
      actions.appendChild(button(p.enabled ? 'Disable' : 'Enable', async () => {
        try { await api('/api/promotions/' + encodeURIComponent(p.id), { method: 'PUT', body: JSON.stringify({ enabled: !p.enabled }) }); await loadPromotions(); } catch (e) { $('promo-result').textContent = e.message; }
      }));
      actions.appendChild(button('Delete', async () => {
        if (!confirm(`Delete the promotion "${p.title}"?`)) return;
        try { await api('/api/promotions/' + encodeURIComponent(p.id), { method: 'DELETE' }); await loadPromotions(); } catch (e) { $('promo-result').textContent = e.message; }
      }));
    }
    const hours = (p.time_windows || []).map((w) => `${w.start}–${w.end}`).join(', ') || 'all day';
    const tr = row([p.title, p.discount, p.target_loyalty_status, p.zones.join(', ') || 'all', hours, when(p.valid_to), p.priority, promotionStatus(p), actions]);
    tr.dataset.promotionId = p.id;
    body.appendChild(tr);
  }
}

// Editing fills the create form with the promotion and turns Create into Save (PUT); Cancel goes back to creating.
function editPromotion(p) {
  $('promo-id').value = p.id;
  $('promo-title').value = p.title;
  $('promo-description').value = p.description;
  $('promo-discount').value = p.discount;
  $('promo-tier').value = p.target_loyalty_status;
  $('promo-until').value = p.valid_to.slice(0, 10);
  $('promo-until').dataset.loaded = $('promo-until').value;
  $('promo-zones').value = p.zones.join(', ');
  const w = (p.time_windows || [])[0];
  $('promo-start').value = w ? w.start : '';
  $('promo-end').value = w ? w.end : '';
  $('promo-priority').value = p.priority;
  $('promo-enabled').checked = p.enabled;
  $('promo-days-label').hidden = true;
  $('promo-create').textContent = 'Save';
  $('promo-cancel').hidden = false;
  $('promo-result').textContent = 'Editing "' + p.title + '"';
  $('promo-title').focus();
}

function resetPromotionForm() {
  $('promo-form').reset();
  $('promo-id').value = '';
  $('promo-until').dataset.loaded = '';
  $('promo-days-label').hidden = false;
  $('promo-create').textContent = 'Create';
  $('promo-cancel').hidden = true;
}

async function savePromotion(ev) {
  ev.preventDefault();
  const out = $('promo-result');
  out.textContent = ''; out.className = '';
  const id = $('promo-id').value;
  const zones = $('promo-zones').value.split(',').map((z) => z.trim()).filter((z) => z);
  const start = $('promo-start').value, end = $('promo-end').value;
  const fields = {
    title: $('promo-title').value, description: $('promo-description').value, discount: $('promo-discount').value,
    target_loyalty_status: $('promo-tier').value, zones, priority: Number($('promo-priority').value || 0),
    enabled: $('promo-enabled').checked, time_windows: start && end ? [{ start, end }] : [],
  };
  // "until" is the last day the promotion runs (store days end at midnight UTC here); without it a new one runs "days" days.
  const until = $('promo-until').value;
  // An edit leaves the end as stored unless the day was changed.
  if (until && !(id && until === $('promo-until').dataset.loaded)) fields.valid_to = new Date(until + 'T23:59:59Z').toISOString();
  else if (!id) fields.validity = `${$('promo-days').value} days`;
  try {
    if (id) await api('/api/promotions/' + encodeURIComponent(id), { method: 'PUT', body: JSON.stringify(fields) });
    else await api('/promotions', { method: 'POST', body: JSON.stringify(fields) });
    resetPromotionForm();
    out.textContent = id ? 'Saved' : 'Created';
    await loadPromotions();
  } catch (e) { out.textContent = e.message; out.className = 'error'; }
}

// ---- cameras ----

async function loadCameraList() {
  const cams = await forSession('/cameras');
  if (!cams) return;
  const body = $('camera-list');
  body.textContent = '';
  for (const c of cams) {
    cameraInfo.set(c.id, c);
    const actions = el('span');
    if (canOperate()) {
      const act = (verb) => button(verb, async () => {
        try { await api(`/api/cameras/${encodeURIComponent(c.id)}/${verb}`, { method: 'POST' }); } catch (e) { $('cam-result').textContent = e.message; }
        await loadCameraList();
      });
      if (c.status === 'paused') actions.append(act('resume'));
      else if (['stopped', 'ended', 'failed', 'error'].includes(c.status)) actions.append(act('start'));
      else actions.append(act('pause'), act('stop'));
      actions.append(button('remove', async () => {
        if (!confirm(`Remove the camera "${c.name}"?`)) return;
        try { await api('/api/cameras/' + encodeURIComponent(c.id), { method: 'DELETE' }); } catch (e) { $('cam-result').textContent = e.message; }
        await loadCameraList();
      }, 'danger'));
    }
    const h = c.health || {};
    const age = h.last_frame_age_seconds;
    // A running camera silent for more than 10 s is worth a look (the source drops it after its read timeout).
    const ageCell = el('span', age == null ? '' : frameAge(age), age != null && age > 10 && c.status === 'running' ? 'stale' : '');
    const tr = row([c.name, c.id, c.zone, el('span', c.status, 'status-' + c.status), c.fps ?? '', c.frames_processed, c.frames_dropped ?? '', h.reconnects ?? 0, ageCell, when(c.last_seen), c.last_error ? `${c.last_error} (${when(c.last_error_at)})` : '', actions]);
    tr.dataset.cameraId = c.id;
    body.appendChild(tr);
  }
}

// Seconds since the last frame, in the unit that reads best.
function frameAge(seconds) {
  if (seconds < 60) return seconds.toFixed(1) + ' s';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min';
  return (seconds / 3600).toFixed(1) + ' h';
}

async function addCamera(ev) {
  ev.preventDefault();
  const out = $('cam-result');
  out.textContent = ''; out.className = '';
  try {
    const c = await api('/api/cameras', { method: 'POST', body: JSON.stringify({ name: $('cam-name').value, source: $('cam-source').value.trim(), zone: $('cam-zone').value.trim() || null, start: true }) });
    out.textContent = 'Added ' + c.id;
    $('camera-form').reset();
    await loadCameraList();
  } catch (e) { out.textContent = e.message; out.className = 'error'; }
}

// ---- alerts ----

async function loadAlertList() {
  const active = $('alert-active').checked;
  const list = await forSession(`/api/alerts?limit=200&active_only=${active}`);
  if (!list) return;
  const level = $('alert-level').value;
  const body = $('alert-list');
  body.textContent = '';
  let open = 0;
  for (const a of list) {
    if (!a.acknowledged_at) open++;
    if (level && a.level !== level) continue;
    const ack = !a.acknowledged_at && canOperate() ? button('Acknowledge', async () => {
      try { await api('/api/alerts/' + encodeURIComponent(a.id) + '/acknowledge', { method: 'POST' }); } catch (e) { $('status').textContent = e.message; }
      await loadAlertList();
    }) : '';
    const tr = row([when(a.raised_at), a.level, a.zone, a.message, a.acknowledged_at ? `${a.acknowledged_by}, ${when(a.acknowledged_at)}` : 'no', ack]);
    tr.className = 'level-' + a.level;
    tr.dataset.alertId = a.id;
    body.appendChild(tr);
  }
  if (!active) $('alert-count').textContent = open;
}

async function loadAlertCount() {
  const r = await forSession('/alerts/count');
  if (r) $('alert-count').textContent = r.count;
}

// ---- analytics ----

const ranges = { hour: 24 * 3600e3, day: 30 * 86400e3, week: 182 * 86400e3, month: 365 * 86400e3 };

function label(at, granularity) {
  const d = new Date(at);
  if (granularity === 'hour') return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (granularity === 'month') return d.toLocaleDateString([], { year: 'numeric', month: 'short' });
  return d.toLocaleDateString();
}

// The API returns the periods that had visits; the chart shows the empty ones too (hours, days and weeks are fixed
// steps from a returned period; months are left as returned). A period the steps miss (a DST change) is kept as is.
function withEmptyPeriods(buckets, granularity, from, to) {
  const step = { hour: 3600e3, day: 86400e3, week: 7 * 86400e3 }[granularity];
  if (!step || buckets.length === 0) return buckets;
  const byTime = new Map(buckets.map((x) => [Date.parse(x.period_start), x]));
  let t = Date.parse(buckets[0].period_start);
  while (t - step >= from) t -= step;
  const out = [];
  for (; t < to; t += step) {
    const x = byTime.get(t);
    byTime.delete(t);
    out.push(x || { period_start: new Date(t).toISOString(), visits: 0, unique_visitors: 0, returning_visits: 0, average_dwell_seconds: 0 });
  }
  out.push(...byTime.values());
  return out.sort((a, c) => Date.parse(a.period_start) - Date.parse(c.period_start));
}

function chart(canvasId, config) {
  const existing = charts.findIndex((c) => c.canvas.id === canvasId);
  if (existing >= 0) { charts[existing].destroy(); charts.splice(existing, 1); }
  // Numbers on hover: Chart.js's tooltip, by index across the series.
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false } }, config.options || {});
  const c = new window.Chart($(canvasId), config);
  charts.push(c);
  return c;
}

async function loadAnalytics() {
  const g = $('an-granularity').value;
  const to = new Date();
  const from = new Date(to.getTime() - ranges[g]);
  const statuses = ['MATCHED', 'NEW_FACE', 'MULTIPLE_MATCHES', 'UNKNOWN'];
  const [visits, ...outcomes] = await Promise.all([
    forSession(`/api/analytics/visits?granularity=${g}&from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`),
    ...statuses.map((s) => forSession(`/api/detections?limit=1&status=${s}`)),
  ]);
  if (!visits) return;
  const b = withEmptyPeriods(visits.buckets, g, from.getTime(), to.getTime());
  const labels = b.map((x) => label(x.period_start, g));
  const sum = (k) => b.reduce((a, x) => a + x[k], 0);
  // Unique visitors are per period (a sum over periods would count a person once per period): the chart has them.
  $('an-summary').textContent = `${sum('visits')} visits · ${sum('returning_visits')} returning`;
  chart('chart-visits', { type: 'bar', data: { labels, datasets: [
    { label: 'Visits', data: b.map((x) => x.visits), backgroundColor: '#8b0000' },
    { label: 'Unique visitors', data: b.map((x) => x.unique_visitors), backgroundColor: '#d9822b' },
    { label: 'Returning visits', data: b.map((x) => x.returning_visits), backgroundColor: '#3b6ea5' },
  ] } });
  chart('chart-dwell', { type: 'line', data: { labels, datasets: [{ label: 'Average dwell (min)', data: b.map((x) => (x.visits ? Math.round(x.average_dwell_seconds / 6) / 10 : null)), borderColor: '#8b0000', spanGaps: true }] } });
  const counts = outcomes.map((o) => (o ? o.total : 0));
  const names = statuses.map((s) => statusText(s));
  chart('chart-outcomes', { type: 'doughnut', data: { labels: names, datasets: [{ label: 'Detections', data: counts, backgroundColor: ['#1b7a1b', '#3b6ea5', '#d9822b', '#999'] }] }, options: { interaction: { mode: 'nearest', intersect: true } } });
  const tb = $('an-outcomes');
  tb.textContent = '';
  statuses.forEach((s, i) => { const tr = row([names[i], counts[i]]); tr.dataset.status = s; tb.appendChild(tr); });
  await Promise.all([loadDemographics(), loadOccupancy()]);
}

// People present over one store day (/api/analytics/visits/occupancy): the mean and the peak per interval, labelled in
// the store's time zone when the browser knows it. The day defaults to the store's today, as the route says.
async function loadOccupancy() {
  const day = $('an-occ-date').value;
  const r = await forSession(`/api/analytics/visits/occupancy?interval_minutes=${encodeURIComponent($('an-occ-interval').value)}${day ? '&date=' + encodeURIComponent(day) : ''}`);
  if (!r) return;
  $('an-occ-date').value = r.date;
  const hhmm = (at) => {
    try { return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: r.time_zone }); } catch { return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }
  };
  const peak = r.points.reduce((a, x) => Math.max(a, x.peak), 0);
  $('an-occ-summary').textContent = `${r.date} (${r.time_zone}) · at most ${peak} at once`;
  chart('chart-occupancy', {
    type: 'bar',
    data: { labels: r.points.map((x) => hhmm(x.period_start)), datasets: [
      { label: 'People present (mean)', data: r.points.map((x) => x.average), backgroundColor: '#8b0000' },
      { label: 'Peak', type: 'line', data: r.points.map((x) => x.peak), borderColor: '#3b6ea5', backgroundColor: '#3b6ea5', stepped: 'middle' },
    ] },
    options: { plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${Math.round(ctx.parsed.y * 100) / 100}` } } } },
  });
}

// Face attribute statistics (hourly aggregates, one count per visit): one bar chart per attribute, last 30 days.
async function loadDemographics() {
  const kinds = [['gender', 'chart-gender', 'Visitors by gender'], ['age', 'chart-age', 'Visitors by age group'], ['emotion', 'chart-emotion', 'Visitors by emotion']];
  const results = await Promise.all(kinds.map(([k]) => forSession(`/api/client/statistics/${k}/`)));
  results.forEach((r, i) => {
    if (!r) return;
    chart(kinds[i][1], { type: 'bar', data: { labels: r.results.map((x) => x.value), datasets: [{ label: kinds[i][2], data: r.results.map((x) => x.count), backgroundColor: '#8b0000' }] } });
  });
}

// ---- settings: users, keys, audit (admins) ----

async function loadUsers() {
  const users = await forSession('/admin/users');
  if (!users) return;
  const body = $('users');
  body.textContent = '';
  for (const u of users) {
    const del = u.username === me.username ? '' : button('Delete', async () => {
      if (!confirm(`Delete the user "${u.username}"?`)) return;
      try { await api('/admin/users/' + encodeURIComponent(u.username), { method: 'DELETE' }); await loadUsers(); } catch (e) { $('user-result').textContent = e.message; }
    });
    const tr = row([u.username, u.role, when(u.created_at), del]);
    tr.dataset.username = u.username;
    body.appendChild(tr);
  }
}

async function createUser(ev) {
  ev.preventDefault();
  const out = $('user-result');
  out.textContent = ''; out.className = '';
  try {
    await api('/admin/users', { method: 'POST', body: JSON.stringify({ username: $('user-name').value, password: $('user-password').value, role: $('user-role').value }) });
    out.textContent = 'Added';
    $('user-form').reset();
    await loadUsers();
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
      revoke = button('Revoke', async () => {
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

function searchAudit(ev) { ev.preventDefault(); auditOffset = 0; safe(loadAudit)(); }

function pageAudit(step) { auditOffset = Math.max(0, auditOffset + step * auditPageSize); safe(loadAudit)(); }

function safe(fn) { return () => Promise.resolve().then(fn).catch((e) => { $('status').textContent = e.message; }); }

async function start() {
  $('login-view').hidden = true;
  try { me = await api('/admin/me'); } catch { return; }
  $('app-view').hidden = false; $('nav').hidden = false; $('logout').hidden = false;
  $('status').textContent = '';
  $('whoami').textContent = `${me.username} (${me.role})`;
  // Viewers read only: the page offers no change and no export (the API refuses them anyway, 403). Settings (users,
  // keys, audit) are for admins.
  for (const e of document.querySelectorAll('.operator-only')) e.hidden = !canOperate();
  $('nav-settings').hidden = !isAdmin();
  $('keys-card').hidden = !isAdmin(); $('audit-card').hidden = !isAdmin();
  // Names for the detection feed; cameras for where things happen.
  await Promise.all([safe(async () => { const r = await forSession('/api/customers?limit=1000'); if (r) for (const c of r.items) customerNames.set(c.id, c.name); })(), safe(loadCameras)(), safe(loadAlertCount)()]);
  showPage();
  connectDashboard();
  connectTracking();
  timers.push(setInterval(() => { if (currentPage() === 'live') safe(loadPresent)(); }, 2000));
  timers.push(setInterval(() => { if (currentPage() === 'live') safe(loadCameras)(); else if (currentPage() === 'cameras') safe(loadCameraList)(); }, 5000));
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('register-form').addEventListener('submit', register);
  $('camera-select').addEventListener('change', () => watchCamera($('camera-select').value));
  $('back-to-grid').addEventListener('click', backToGrid);
  $('customer-search-form').addEventListener('submit', searchCustomers);
  $('customer-prev').addEventListener('click', () => pageCustomers(-1));
  $('customer-next').addEventListener('click', () => pageCustomers(1));
  $('cd-export').addEventListener('click', exportCustomer);
  $('cd-erase').addEventListener('click', eraseCustomer);
  $('promo-form').addEventListener('submit', savePromotion);
  $('promo-cancel').addEventListener('click', () => { resetPromotionForm(); $('promo-result').textContent = ''; });
  $('camera-form').addEventListener('submit', addCamera);
  $('alert-level').addEventListener('change', safe(loadAlertList));
  $('alert-active').addEventListener('change', safe(loadAlertList));
  $('an-granularity').addEventListener('change', safe(loadAnalytics));
  $('an-occ-date').addEventListener('change', safe(loadOccupancy));
  $('an-occ-interval').addEventListener('change', safe(loadOccupancy));
  $('user-form').addEventListener('submit', createUser);
  $('key-form').addEventListener('submit', createKey);
  $('new-key-done').addEventListener('click', forgetNewKey);
  $('audit-form').addEventListener('submit', searchAudit);
  $('audit-prev').addEventListener('click', () => pageAudit(-1));
  $('audit-next').addEventListener('click', () => pageAudit(1));
  window.addEventListener('hashchange', showPage);
  if (token) start();
});
