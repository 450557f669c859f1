// The console shell: sign-in, then one workspace (left panel · live map · right panel) whose side
// panels belong to the seat in use. The map, the store and the live feed outlive seat switches.
import './styles.css';
import { LazySearch, StreetIndex, RemoteFirstSearch, type AddressSearch } from './address-search';
import { setToken, setUnauthenticatedHandler } from './api';
import { h, render } from './dom';
import { installPageFonts } from './fonts';
import { lang, onLangChange, setLang, statusLabel, t } from './i18n';
import { bindEmergencyTrack, bindLiveLayers } from './map/live-layers';
import { MapView, mapConfigFromPage } from './map/map-view';
import { COLORS } from './map/style';
import { connectRealtime, setPositionsViewport } from './realtime';
import { clearSession, loadSession, viewsFor, type ConsoleView, type Session } from './session';
import { store } from './store';
import { alertTone, mountAlertBanner } from './views/alerts';
import { AdminSeat } from './views/admin';
import { CalltakerSeat } from './views/calltaker';
import { CommanderSeat } from './views/commander';
import { DispatcherSeat } from './views/dispatcher';
import { showLogin } from './views/login';
import type { Seat } from './views/seat';
import { mountTrainingSwitch } from './views/training-switch';

// marks for the console bench (bench/console.ts): every module of the bundle has run
performance.mark('ringcad:script-evaluated');
installPageFonts();
const root = document.getElementById('root') as HTMLElement;

const SEAT_LABEL: Record<ConsoleView, () => string> = {
  calltaker: () => t('roleCalltaker'),
  dispatcher: () => t('roleDispatcher'),
  commander: () => t('roleCommander'),
  admin: () => t('roleAdmin'),
};

function start() {
  const session = loadSession();
  if (session) openConsole(session);
  else {
    showLogin(root, (s) => {
      alertTone.unlock();
      openConsole(s);
    });
  }
}

function openConsole(session: Session) {
  performance.mark('ringcad:session');
  setToken(session.token);
  const signOut = () => {
    clearSession();
    location.reload();
  };
  setUnauthenticatedHandler(signOut);
  const views = viewsFor(session.user);
  const stored = sessionStorage.getItem('ringcad.seat') as ConsoleView | null;
  const hashSeat = location.hash.slice(1) as ConsoleView;
  let seatName: ConsoleView = views.includes(hashSeat)
    ? hashSeat
    : stored && views.includes(stored)
      ? stored
      : (views[0] ?? 'dispatcher');

  const seatTabs = h('nav', { class: 'seats' });
  const conn = h('span', { class: 'conn', id: 'connection', role: 'status' });
  const clockEl = h('span', { class: 'clock' });
  const trainingHost = h('span', { class: 'training-host' });
  const langBtn = h('button', { type: 'button', class: 'ghost small', id: 'lang' });
  const outBtn = h('button', { type: 'button', class: 'ghost small', onclick: signOut });
  const banner = h('div', {
    class: 'alert-banner',
    id: 'alert-banner',
    hidden: true,
    role: 'alert',
  });
  const left = h('aside', { class: 'panel left', id: 'left' });
  const right = h('aside', { class: 'panel right', id: 'right' });
  const mapEl = h('div', { class: 'map', id: 'map' });
  const legend = h('div', { class: 'legend', id: 'legend' });
  const offline = h('div', { class: 'offline-veil', hidden: true }, t('offline'));
  const title = h('span', { class: 'title' });
  render(
    root,
    h(
      'div',
      { class: 'app' },
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand' }, h('span', { class: 'logo' }, '110'), title),
        seatTabs,
        h('div', { class: 'spacer' }),
        trainingHost,
        conn,
        clockEl,
        h('span', { class: 'who' }, session.user.username),
        langBtn,
        outBtn,
      ),
      banner,
      h(
        'div',
        { class: 'workspace' },
        left,
        h('div', { class: 'map-wrap' }, mapEl, legend, offline),
        right,
      ),
    ),
  );

  // the live feed first: its snapshot (the fleet, the open incidents) is built by the server while
  // the map sets itself up
  const disconnect = connectRealtime(session.token, signOut);
  window.addEventListener('pagehide', disconnect);
  const map = new MapView(mapEl, mapConfigFromPage());
  let streets: AddressSearch | null = null;
  const addressSearch = () => {
    streets ??= new RemoteFirstSearch(
      new LazySearch(map.roads().then((features) => new StreetIndex(features))),
    );
    return streets;
  };
  void map.loadBasemap();
  // live positions only for what the map shows (and the rest of the fleet every 10 s)
  const reportViewport = () => {
    const b = map.map.getBounds();
    setPositionsViewport({ w: b.getWest(), s: b.getSouth(), e: b.getEast(), n: b.getNorth() });
  };
  map.map.on('moveend', reportViewport);
  void map.loaded.then(reportViewport);

  let seat: Seat | null = null;
  let dispatcher: DispatcherSeat | null = null;
  const unbindLive = bindLiveLayers(map, {
    highlighted: () => dispatcher?.highlighted() ?? new Set(),
  });
  const unbindEmergencyTrack = bindEmergencyTrack(map);
  let unmountBanner: (() => void) | null = null;
  let unmountTraining: (() => void) | null = null;

  const paintChrome = () => {
    title.textContent = t('appTitle');
    langBtn.textContent = t('langSwitch');
    outBtn.textContent = t('signOut');
    render(
      seatTabs,
      views.map((v, i) =>
        h(
          'button',
          {
            type: 'button',
            class: v === seatName ? 'seat active' : 'seat',
            'data-seat': v,
            onclick: () => switchSeat(v),
          },
          SEAT_LABEL[v](),
          h('kbd', {}, `F${i + 6}`),
        ),
      ),
    );
    paintConnection();
    paintLegend();
  };
  const paintConnection = () => {
    conn.className = `conn ${store.connection}`;
    conn.textContent =
      store.connection === 'online'
        ? t('online')
        : store.connection === 'connecting'
          ? t('connecting')
          : t('offline');
    offline.hidden = store.connection !== 'offline';
    offline.textContent = t('offline');
  };
  const paintLegend = () => {
    const counts = new Map<string, number>();
    let stale = 0;
    for (const u of store.units.values()) {
      counts.set(u.status, (counts.get(u.status) ?? 0) + 1);
      if (u.position && store.isStale(u)) stale++;
    }
    render(
      legend,
      ['available', 'assigned', 'en_route', 'on_scene', 'out_of_service', 'off_duty'].map((s) =>
        h(
          'span',
          { class: 'lg' },
          h('i', { class: 'dot', '--dot': COLORS.status[s] }),
          statusLabel('us', s),
          h('b', {}, String(counts.get(s) ?? 0)),
        ),
      ),
      h(
        'span',
        { class: 'lg stale' },
        h('i', { class: 'stale-dot' }),
        t('stale'),
        h('b', {}, String(stale)),
      ),
    );
  };
  const switchSeat = (v: ConsoleView) => {
    seat?.unmount();
    unmountBanner?.();
    unmountTraining?.();
    // the seats that dispatch or command see (and set) the training simulator's switch
    unmountTraining = v === 'calltaker' ? null : mountTrainingSwitch(trainingHost, true);
    seatName = v;
    sessionStorage.setItem('ringcad.seat', v);
    history.replaceState(null, '', `#${v}`);
    dispatcher = v === 'dispatcher' ? new DispatcherSeat() : null;
    seat =
      dispatcher ??
      (v === 'calltaker'
        ? new CalltakerSeat()
        : v === 'admin'
          ? new AdminSeat()
          : new CommanderSeat());
    document.body.dataset.seat = v;
    const canAck = v !== 'calltaker';
    unmountBanner = mountAlertBanner(banner, {
      canAck,
      onOpen: (incidentId) => {
        if (v !== 'dispatcher' && views.includes('dispatcher')) switchSeat('dispatcher');
        if (dispatcher) void dispatcher.open(incidentId);
        else store.select(incidentId);
      },
      onFollow: (unitId) => {
        const p = store.units.get(unitId)?.position;
        if (p) map.map.easeTo({ center: [p.lon, p.lat], duration: 300 });
      },
    });
    seat.mount({ left, right, map, session, addressSearch });
    paintChrome();
  };

  store.on('connection', paintConnection);
  store.on(['units', 'positions'], paintLegend);
  onLangChange(() => switchSeat(seatName));
  langBtn.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
  document.addEventListener('keydown', (e) => {
    const n = ['F6', 'F7', 'F8', 'F9'].indexOf(e.key);
    if (n >= 0 && views[n]) {
      e.preventDefault();
      switchSeat(views[n]);
    }
  });
  window.setInterval(
    () =>
      (clockEl.textContent = new Date(store.now()).toLocaleTimeString('zh-CN', { hour12: false })),
    1000,
  );
  window.addEventListener('pagehide', () => {
    unbindLive();
    unbindEmergencyTrack();
  });

  switchSeat(seatName);

  // for tests, benches and the curious: the live map and store
  (window as unknown as { __ringcad: unknown }).__ringcad = {
    map: map.map,
    view: map,
    store,
    alertTone,
  };
}

start();
