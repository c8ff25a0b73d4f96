/** Constant-time comparison of a presented secret with the configured one. */
export function sameSecret(given: string, expected: string): boolean {
  // Constant time in the length of the expected secret.
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given.charCodeAt(i) || 0) ^ expected.charCodeAt(i);
  return diff === 0;
}
