// The signed-in user, per browser tab (sessionStorage: a shared hall PC forgets it with the tab).
import type { LoginResponse, UserView } from '@ringcad/contracts';

const KEY = 'ringcad.session';

export interface Session {
  token: string;
  user: UserView;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return s.token && s.user ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(r: LoginResponse): Session {
  const s = { token: r.accessToken, user: r.user };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

export type ConsoleView = 'calltaker' | 'dispatcher' | 'commander' | 'admin';

/** The seats a user may sit at, the first being where they land; admins get the dispatcher view. */
export function viewsFor(user: UserView): ConsoleView[] {
  const views: ConsoleView[] = [];
  const roles = user.roles as string[];
  if (roles.includes('dispatcher') || roles.includes('admin')) views.push('dispatcher');
  if (roles.includes('calltaker')) views.push('calltaker');
  if (roles.includes('commander') || roles.includes('admin')) views.push('commander');
  if (roles.includes('admin')) views.push('admin');
  // a call-taker-only account lands on call-taking
  if (roles.includes('calltaker') && !roles.includes('dispatcher') && !roles.includes('admin')) {
    return ['calltaker', ...views.filter((v) => v !== 'calltaker')];
  }
  return views;
}
