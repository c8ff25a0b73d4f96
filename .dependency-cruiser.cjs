/**
 * The layering check (npm run lint:layers, run by npm test): the arrows of
 * src/ run one way. The core owns its contracts and imports nothing from
 * backends, runtimes, the command line or the browser code; backends import
 * the core, never runtimes; the browser client, page and React hooks share
 * only the protocol module with the server, and React is imported by the
 * React hooks alone (so nobody else loads it). Paths match `src/...` anywhere,
 * so the fixture in test/layering/ is judged by the same rules.
 */
const SRC = '(^|/)src/';
module.exports = {
  forbidden: [
    {
      name: 'core-imports-backends-or-runtimes',
      comment: 'src/core owns its contracts (store, transport hooks); backends and runtimes plug into it, never the reverse.',
      severity: 'error',
      from: { path: `${SRC}core/` },
      to: { path: `${SRC}(backends|runtimes|cli|client|ui|react)/` },
    },
    {
      name: 'core-is-web-standard',
      comment: 'src/core runs on Node, Bun, Deno and Workers: no node: built-ins.',
      severity: 'error',
      from: { path: `${SRC}core/` },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'backends-import-runtimes',
      comment: "A backend implements the core's store contract; it knows no runtime.",
      severity: 'error',
      from: { path: `${SRC}backends/` },
      to: { path: `${SRC}(runtimes|cli)/` },
    },
    {
      name: 'client-imports-server',
      comment: 'The browser client, the page and the React hooks share only src/protocol.ts with the server.',
      severity: 'error',
      from: { path: `${SRC}(client|ui|react)/` },
      to: { path: `${SRC}((core|backends|runtimes|cli)/|index\\.ts$)` },
    },
    {
      name: 'react-only-in-src-react',
      comment: 'React is loaded only by eventgate/react: nothing outside src/react imports react (or react-dom), or src/react itself.',
      severity: 'error',
      from: { path: SRC, pathNot: `${SRC}react/` },
      to: { path: [`(^|/)node_modules/(react|react-dom|scheduler)/`, '^(react|react-dom)(/|$)', `${SRC}react/`] },
    },
    {
      name: 'protocol-imports-nothing',
      comment: 'The protocol module is shared by server and clients, so it depends on neither.',
      severity: 'error',
      from: { path: `${SRC}protocol\\.ts$` },
      to: { path: `${SRC}` },
    },
    {
      name: 'no-circular',
      comment: 'Import circles hide which module owns what (a circle made only of type imports erases at build time and is allowed).',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
