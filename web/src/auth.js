// Signing in for the leader view, the planner view and the dashboard. The server answers 401 to
// anyone not signed in; `requireUser` asks who the caller is and, until a user whose role the view
// allows is signed in, shows a sign-in dialog. Once in, a badge in the corner shows the user with
// "change password" and "sign out". The session is the server's HttpOnly cookie: this module never
// sees or keeps a token. (The patrol view has its own phone-sized sign-in in patrol.js.)

import { t, onLangChange } from './i18n.js';
import { el } from './util.js';

let current = null;

/** The signed-in user (as GET /api/session describes them), once `requireUser` resolved. */
export function currentUser() {
  return current;
}

/** Whether the signed-in user has one of `roles`. */
export function userIs(...roles) {
  return Boolean(current && roles.includes(current.role));
}

async function send(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    // no JSON body (204)
  }
  return { status: res.status, data };
}

async function whoami() {
  const { status, data } = await send('GET', 'api/session');
  return status === 200 ? data.user : null;
}

const CSS = `
.auth-dialog { border: none; border-radius: 10px; padding: 24px 28px; width: min(360px, 92vw);
  box-shadow: 0 12px 40px rgba(0,0,0,.25); font: 14px/1.5 system-ui, "Noto Sans CJK SC", sans-serif; }
.auth-dialog::backdrop { background: rgba(30, 41, 59, .55); }
.auth-dialog h2 { margin: 0 0 14px; font-size: 18px; }
.auth-dialog label { display: block; margin: 10px 0 4px; color: #334155; }
.auth-dialog input { width: 100%; box-sizing: border-box; padding: 8px 10px; font: inherit;
  border: 1px solid #cbd5e1; border-radius: 6px; }
.auth-dialog .auth-actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 18px; }
.auth-dialog button { padding: 7px 16px; font: inherit; border-radius: 6px; border: 1px solid #cbd5e1;
  background: #fff; cursor: pointer; }
.auth-dialog button.primary { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
.auth-error { color: #b91c1c; min-height: 1.5em; margin: 8px 0 0; }
.user-badge { position: fixed; right: 10px; bottom: 10px; z-index: 20; display: flex; gap: 6px;
  align-items: center; padding: 4px 6px 4px 10px; border-radius: 16px; background: rgba(255,255,255,.95);
  box-shadow: 0 1px 4px rgba(0,0,0,.2); font: 12px/1.4 system-ui, "Noto Sans CJK SC", sans-serif; }
.user-badge button { font: inherit; border: none; background: #e2e8f0; border-radius: 10px;
  padding: 2px 8px; cursor: pointer; }
`;

function addStyle() {
  if (document.getElementById('auth-style')) return;
  document.head.append(el('style', { id: 'auth-style' }, CSS));
}

/**
 * The signed-in user, once one whose role is in `roles` is signed in: asks with a dialog until
 * then.
 */
export async function requireUser({ roles }) {
  addStyle();
  let user = await whoami();
  while (!user || !roles.includes(user.role)) {
    user = await signInDialog(user);
  }
  current = user;
  badge();
  return user;
}

/** The sign-in dialog; resolves with the user who signed in. `refused` is a signed-in user this
 * view does not serve. */
function signInDialog(refused) {
  return new Promise((resolve) => {
    document.getElementById('signin-dialog')?.remove();
    const username = el('input', { id: 'signin-username', name: 'username', autocomplete: 'username', required: 'required', maxlength: '64' });
    const password = el('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: 'required', maxlength: '1024' });
    const error = el('p', { id: 'signin-error', class: 'auth-error', role: 'alert' });
    const submit = el('button', { id: 'signin-submit', class: 'primary', type: 'submit' }, t('auth.submit'));
    const children = [el('h2', { id: 'signin-title' }, t('auth.title'))];
    if (refused) {
      children.push(el('p', { id: 'signin-refused', class: 'auth-error' }, t('auth.refused', { name: refused.display_name || refused.username, role: refused.role_name })));
      if (refused.role === 'patrol') children.push(el('p', {}, el('a', { href: './patrol.html' }, t('auth.toPatrol'))));
    }
    children.push(
      el('label', { for: 'signin-username' }, t('auth.username')),
      username,
      el('label', { for: 'signin-password' }, t('auth.password')),
      password,
      error,
      el('div', { class: 'auth-actions' }, [submit]),
    );
    const form = el('form', { method: 'dialog' }, children);
    const dialog = el('dialog', { id: 'signin-dialog', class: 'auth-dialog', 'aria-labelledby': 'signin-title' }, [form]);
    // Escape must not close it: the view has nothing to show without a user.
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        if (refused) await send('DELETE', 'api/session');
        const { status, data } = await send('POST', 'api/session', { username: username.value.trim(), password: password.value });
        if (status === 200) {
          dialog.close();
          dialog.remove();
          resolve(data.user);
          return;
        }
        error.textContent = data?.error ?? t('auth.failed', { status });
        password.value = '';
        password.focus();
      } catch (err) {
        error.textContent = String(err.message ?? err);
      } finally {
        submit.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    username.focus();
  });
}

function badge() {
  document.getElementById('user-badge')?.remove();
  const render = () => {
    const box = document.getElementById('user-badge');
    if (!box || !current) return;
    box.replaceChildren(
      el('span', { id: 'user-name' }, `${current.display_name || current.username} · ${current.role_name}`),
      el('button', { id: 'password-button', type: 'button', onclick: passwordDialog }, t('auth.password.change')),
      el('button', { id: 'signout-button', type: 'button', onclick: signOut }, t('auth.signout')),
    );
  };
  document.body.append(el('div', { id: 'user-badge', class: 'user-badge' }));
  render();
  onLangChange(render);
}

async function signOut() {
  await send('DELETE', 'api/session');
  current = null;
  location.reload();
}

function passwordDialog() {
  document.getElementById('password-dialog')?.remove();
  const currentPassword = el('input', { id: 'password-current', type: 'password', autocomplete: 'current-password', required: 'required' });
  const next = el('input', { id: 'password-new', type: 'password', autocomplete: 'new-password', required: 'required', minlength: '8', maxlength: '1024' });
  const message = el('p', { id: 'password-message', class: 'auth-error', role: 'status' });
  const cancel = el('button', { type: 'button' }, t('auth.cancel'));
  const save = el('button', { id: 'password-save', class: 'primary', type: 'submit' }, t('auth.password.save'));
  const form = el('form', { method: 'dialog' }, [
    el('h2', {}, t('auth.password.change')),
    el('label', { for: 'password-current' }, t('auth.password.current')),
    currentPassword,
    el('label', { for: 'password-new' }, t('auth.password.new')),
    next,
    message,
    el('div', { class: 'auth-actions' }, [cancel, save]),
  ]);
  const dialog = el('dialog', { id: 'password-dialog', class: 'auth-dialog' }, [form]);
  cancel.addEventListener('click', () => {
    dialog.close();
    dialog.remove();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    const { status, data } = await send('POST', 'api/session/password', { current_password: currentPassword.value, new_password: next.value });
    save.disabled = false;
    if (status === 204) {
      message.style.color = '#15803d';
      message.textContent = t('auth.password.done');
      setTimeout(() => {
        dialog.close();
        dialog.remove();
      }, 800);
    } else {
      message.textContent = data?.error ?? t('auth.failed', { status });
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  currentPassword.focus();
}
