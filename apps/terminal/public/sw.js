// 警务通 service worker: the terminal opens with no network after its first load.
// - the page (/m/) network first, the cached copy when offline;
// - the hashed assets under /m/assets/ cache first (their names change with their content);
// - the road network (GET /api/v1/road-network/geojson) network first, cached for offline maps.
// The page tells the worker which files it loaded (message `cache`), since the first load happens
// before the worker controls the page.
const CACHE = 'ringcad-terminal-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const urls = event.data && event.data.cache;
  if (!Array.isArray(urls)) return;
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        urls.map((u) =>
          cache.match(u).then(
            (hit) =>
              hit ||
              fetch(u, { credentials: 'same-origin' })
                .then((r) => (r.ok ? cache.put(u, r) : undefined))
                .catch(() => undefined),
          ),
        ),
      ),
    ),
  );
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key || request, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(key || request);
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && (url.pathname === '/m' || url.pathname === '/m/')) {
    event.respondWith(networkFirst(req, '/m/'));
  } else if (
    url.pathname.startsWith('/m/assets/') ||
    url.pathname === '/m/manifest.webmanifest' ||
    url.pathname === '/m/icon.svg'
  ) {
    event.respondWith(cacheFirst(req));
  } else if (url.pathname === '/api/v1/road-network/geojson') {
    event.respondWith(networkFirst(req, url.pathname + url.search));
  }
});
