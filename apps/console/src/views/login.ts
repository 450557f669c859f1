import type { LoginResponse } from '@ringcad/contracts';
import { api } from '../api';
import { errorMessage } from '../errors';
import { h, render } from '../dom';
import { lang, setLang, t } from '../i18n';
import { saveSession, type Session } from '../session';

export function showLogin(root: HTMLElement, onSignedIn: (s: Session) => void) {
  const user = h('input', {
    id: 'login-username',
    autocomplete: 'username',
    required: true,
    autofocus: true,
  });
  const pass = h('input', {
    id: 'login-password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const err = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, t('signIn'));
  const form = h(
    'form',
    { class: 'login-card', id: 'login' },
    h(
      'div',
      { class: 'brand' },
      h('span', { class: 'logo' }, '110'),
      h(
        'div',
        {},
        h('h1', {}, t('appTitle')),
        h('p', { class: 'muted' }, 'RingCAD · 处置圈指挥调度'),
      ),
    ),
    h('label', { class: 'field' }, h('span', {}, t('username')), user),
    h('label', { class: 'field' }, h('span', {}, t('password')), pass),
    err,
    button,
    h(
      'button',
      {
        type: 'button',
        class: 'ghost small lang-switch',
        onclick: () => {
          setLang(lang() === 'zh' ? 'en' : 'zh');
          showLogin(root, onSignedIn);
        },
      },
      t('langSwitch'),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    button.disabled = true;
    err.textContent = '';
    api
      .post<LoginResponse>('/auth/login', { username: user.value.trim(), password: pass.value })
      .then((r) => onSignedIn(saveSession(r)))
      .catch((e2: unknown) => {
        err.textContent = `${t('loginFailed')}: ${errorMessage(e2)}`;
        button.disabled = false;
        pass.select();
      });
  });
  render(root, h('div', { class: 'login-screen' }, form));
  user.focus();
}
