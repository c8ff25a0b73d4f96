/**
 * The web build's files as the Worker imports them (assets.ts): a specifier
 * ending in `?raw` is a wrangler Text module (wrangler.toml `[[rules]]`), its
 * default export the file's text. Only these imports match the rule.
 */
declare module '*?raw' {
  const text: string;
  export default text;
}
