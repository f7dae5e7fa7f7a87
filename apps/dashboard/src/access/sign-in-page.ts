/** The sign-in page: plain HTML from the access gate (no script, no asset behind the gate it guards). */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function signInPage(options: { next: string; failed: boolean; signedOut?: boolean; badLink?: boolean }): string {
  const message = options.failed
    ? '<p class="error" role="alert">Wrong name or password.</p>'
    : options.badLink
      ? '<p class="error" role="alert">That sign-in link is not valid (or has expired): sign in with your name and password.</p>'
      : options.signedOut
      ? '<p role="status">Signed out.</p>'
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — hitboard</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f6f7f9; color: #1b1f24; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 24px 28px; width: min(360px, 90vw); }
  h1 { font-size: 1.4rem; margin: 0 0 16px; }
  label { display: block; margin: 12px 0 4px; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; font: inherit; padding: 8px; border: 1px solid #8c959f; border-radius: 6px; }
  input:focus, button:focus { outline: 3px solid #0969da; outline-offset: 1px; }
  button { margin-top: 20px; width: 100%; font: inherit; font-weight: 600; padding: 10px; border: 0; border-radius: 6px; background: #0550ae; color: #fff; cursor: pointer; }
  .error { color: #a40e26; }
  .hint { color: #57606a; font-size: 0.9rem; margin-top: 16px; }
</style>
</head>
<body>
<main>
<h1>hitboard</h1>
${message}
<form method="post" action="/auth/sign-in">
<input type="hidden" name="next" value="${escapeHtml(options.next)}">
<label for="name">Name</label>
<input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Started with <code>npm start</code>? Open the sign-in link it printed (it holds a token).</p>
</main>
</body>
</html>
`;
}
