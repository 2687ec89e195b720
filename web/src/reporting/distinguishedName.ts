// A certificate's name (RFC 2253, as the server gives it: "serialNumber=...,CN=Laia Ferrer,C=ES")
// as a person reads it: its common name, with its organization when it has one.
export function readableName(dn: string): string {
  const parts: Record<string, string> = {};
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\' && i + 1 < dn.length) current += dn[++i];
    else if (dn[i] === ',') { add(current); current = ''; } else current += dn[i];
  }
  add(current);
  function add(part: string) {
    const at = part.indexOf('=');
    if (at > 0 && !(part.slice(0, at) in parts)) parts[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  const name = parts.CN ?? dn;
  return parts.O && parts.O !== name ? `${name} (${parts.O})` : name;
}
