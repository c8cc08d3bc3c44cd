/**
 * The `Basic` credentials of a URL's userinfo (`https://user:pass@host/`), as curl sends them
 * (RFC 7617): base64 of the percent-decoded `user:password`; undefined without userinfo. The
 * HTTP client sends them; the secret mask hides them as it hides the password itself.
 */
export function basicCredentialsOf(url: {
  username: string;
  password: string;
}): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return Buffer.from(pair).toString('base64');
}
