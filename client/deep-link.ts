/**
 * Links into the home page that survive a sign-in: `/#prescription/<id>` (the patient's prescription, with its
 * code) and `/#visit/<appointmentId>` (the doctor's visit workspace). The fragment stays in the address bar
 * while the person signs in, so the home page, once drawn, goes where the link pointed.
 */
export type DeepLinkKind = 'prescription' | 'visit';

export const deepLinkTo = (kind: DeepLinkKind, id: string) => `/#${kind}/${encodeURIComponent(id)}`;

function linkOf(hash: string): { kind: string; id: string } | null {
  const match = /^#(prescription|visit)\/([^/]+)$/.exec(hash);
  if (!match) return null;
  try {
    return { kind: match[1]!, id: decodeURIComponent(match[2]!) };
  } catch {
    return null;
  }
}

/**
 * Calls `go` with the id when the page's link is of this kind, now and whenever the link changes, for as long
 * as `section` is on the page (or until it is first drawn).
 */
export function followDeepLinks(kind: DeepLinkKind, section: HTMLElement, go: (id: string) => void): void {
  const follow = () => {
    const link = linkOf(location.hash);
    if (link?.kind === kind) go(link.id);
  };
  const onChange = () => {
    if (section.isConnected) follow();
    else removeEventListener('hashchange', onChange);
  };
  addEventListener('hashchange', onChange);
  follow();
}
