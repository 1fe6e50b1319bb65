/**
 * The seller console's path and security headers, one description for the two places that serve it: the
 * local gateway (infra/local/console-files.ts) and the CloudFront distribution (constructs/console-site.ts).
 * Scripts and API calls from this origin only, no framing; the page's own <style> block needs inline styles.
 */
export const CONSOLE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

/** The console's path on the API's origin. */
export const CONSOLE_PATH = '/console';
