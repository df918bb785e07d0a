import { X509Certificate } from 'node:crypto';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * Why `text` is not a bundle of PEM certificates (one or more BEGIN/END CERTIFICATE blocks, each a valid X.509
 * certificate), or undefined when it is one. The answer completes a sentence about the field, e.g.
 * `caCertificate is not a PEM certificate bundle: block 2 of 3 is not a valid X.509 certificate`, and never
 * quotes the text: a private key pasted by mistake must not end up in a log.
 */
export function pemBundleProblem(text: string): string | undefined {
  const starts: number[] = [];
  for (let at = text.indexOf(BEGIN); at !== -1; at = text.indexOf(BEGIN, at + BEGIN.length)) starts.push(at);
  if (starts.length === 0) return `is not a PEM certificate bundle (no ${BEGIN} block)`;

  for (const [index, start] of starts.entries()) {
    const block = `block ${index + 1} of ${starts.length}`;
    const nextStart = starts[index + 1] ?? text.length;
    const end = text.indexOf(END, start + BEGIN.length);
    if (end === -1 || end > nextStart) return `is not a PEM certificate bundle: ${block} has no ${END} line`;
    if (!isX509Certificate(text.slice(start, end + END.length)))
      return `is not a PEM certificate bundle: ${block} is not a valid X.509 certificate`;
  }
  return undefined;
}

function isX509Certificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
