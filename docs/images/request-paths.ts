/**
 * The source of request-paths.svg: the request paths through the mesh and where each control
 * acts. Dependency-free, so it runs as it is on Node 22.18+ or 24, which strip the types:
 *
 *   node docs/images/request-paths.ts
 *
 * tests/scripts/pictures.test.ts fails when the committed SVG and this file disagree.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

type Point = readonly [number, number];

const WIDTH = 1000;
const HEIGHT = 690;
const INK = '#1f2933';
const MESH = '#3b6ea5';
const PLAIN = '#b4442c';

/** The controls, numbered as the markers in the picture, with the lab that applies each. */
export const CONTROLS = [
  'TLS at the ingress gateway: the certificate for demo.k8s.local (lab 3)',
  'Mutual TLS between sidecars: STRICT PeerAuthentication (lab 6)',
  "The mesh's JWT check: RequestAuthentication (lab 7)",
  'Workload policy: AuthorizationPolicy by service account (lab 7)',
  'NetworkPolicy below the mesh, with Calico (lab 7, optional)',
  "The services' own checks: issuer, audience, expiry, role user (lab 9)",
] as const;

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}"${attributes ? ` ${attributes}` : ''}>${escape(content)}</text>`;
}

function box({ x, y, w, h }: Box, lines: string[], style = 'box'): string {
  const top = y + h / 2 - ((lines.length - 1) * 16) / 2 + 5;
  return [
    `<rect class="${style}" x="${x}" y="${y}" width="${w}" height="${h}" rx="6"/>`,
    ...lines.map((line, index) =>
      text(
        x + w / 2,
        top + index * 16,
        line,
        `text-anchor="middle"${index ? ' class="small"' : ''}`,
      ),
    ),
  ].join('\n');
}

function arrow(points: Point[], style: string, label?: { at: Point; text: string }): string {
  const d = points.map(([x, y], index) => `${index ? 'L' : 'M'}${x} ${y}`).join(' ');
  const path = `<path class="${style}" d="${d}" marker-end="url(#head-${style})"/>`;
  if (!label) return path;
  return `${path}\n${text(label.at[0], label.at[1], label.text, 'class="label"')}`;
}

function marker([x, y]: Point, number: number): string {
  return [
    `<circle class="marker" cx="${x}" cy="${y}" r="11"/>`,
    text(x, y + 5, String(number), 'text-anchor="middle" class="marker-number"'),
  ].join('\n');
}

/** A pod: its sidecar on the left, where traffic enters, and its container. */
function pod(x: number, y: number, name: string, container: string[]): string {
  return [
    `<rect class="pod" x="${x}" y="${y}" width="230" height="86" rx="8"/>`,
    text(x + 8, y + 16, `pod ${name}`, 'class="small"'),
    box({ x: x + 8, y: y + 24, w: 70, h: 54 }, ['sidecar', 'Envoy'], 'sidecar'),
    box({ x: x + 88, y: y + 24, w: 134, h: 54 }, container),
  ].join('\n');
}

/** The picture, as SVG text. */
export function renderRequestPaths(): string {
  const browser = { x: 20, y: 250, w: 130, h: 60 };
  const curl = { x: 20, y: 500, w: 130, h: 60 };
  const gateway = { x: 215, y: 250, w: 150, h: 60 };
  const istiod = { x: 740, y: 70, w: 225, h: 60 };
  const parts = [
    `<rect class="mesh" x="180" y="40" width="800" height="440" rx="12"/>`,
    text(
      195,
      62,
      'Istio mesh: the app in namespace demo, gateway and istiod in istio-system',
      'class="title"',
    ),
    box(browser, ['browser', 'https://demo.k8s.local']),
    box(curl, ['curl from outside', 'plain HTTP (lab 6)'], 'outside'),
    box(gateway, ['ingress gateway', 'Envoy, port 443']),
    box(istiod, ['istiod', "mesh CA; fetches Keycloak's keys"]),
    pod(470, 70, 'keycloak', ['Keycloak', '/auth']),
    pod(470, 190, 'web-app', ['web-app', 'nginx, Vue app']),
    pod(470, 310, 'web-api', ['web-api', 'GET /articles']),
    pod(740, 310, 'articles', ['articles', 'GET /articles']),
    arrow(
      [
        [150, 280],
        [211, 280],
      ],
      'tls',
      { at: [158, 270], text: 'HTTPS' },
    ),
    arrow(
      [
        [365, 270],
        [420, 270],
        [420, 121],
        [474, 121],
      ],
      'mtls',
      {
        at: [428, 113],
        text: '/auth',
      },
    ),
    arrow(
      [
        [365, 280],
        [420, 280],
        [420, 241],
        [474, 241],
      ],
      'mtls',
      { at: [428, 233], text: '/' },
    ),
    arrow(
      [
        [365, 290],
        [420, 290],
        [420, 361],
        [474, 361],
      ],
      'mtls',
      {
        at: [428, 353],
        text: '/articles',
      },
    ),
    arrow(
      [
        [700, 361],
        [744, 361],
      ],
      'mtls',
      { at: [702, 378], text: 'same JWT' },
    ),
    arrow(
      [
        [740, 100],
        [704, 100],
      ],
      'keys',
      { at: [706, 92], text: 'JWKS' },
    ),
    arrow(
      [
        [150, 530],
        [513, 530],
        [513, 400],
      ],
      'plain',
      {
        at: [190, 522],
        text: 'NodePort, bypasses the gateway: PERMISSIVE lets it in, STRICT resets it',
      },
    ),
    marker([290, 250], 1),
    marker([420, 320], 2),
    marker([722, 340], 2),
    marker([500, 300], 3),
    marker([770, 300], 3),
    marker([530, 300], 4),
    marker([800, 300], 4),
    marker([540, 430], 5),
    marker([640, 300], 6),
    marker([910, 300], 6),
    text(20, 596, 'Where each control acts', 'class="title"'),
    ...CONTROLS.map((control, index) => {
      const x = 32 + Math.floor(index / 3) * 490;
      const y = 622 + (index % 3) * 24;
      return [marker([x, y - 4], index + 1), text(x + 18, y, control, 'class="small"')].join('\n');
    }),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="title">`,
    '<title id="title">Request paths through the mesh, and where each control acts</title>',
    '<defs>',
    ...(['tls', 'mtls', 'keys', 'plain'] as const).map(
      (style) =>
        `<marker id="head-${style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" class="head-${style}"/></marker>`,
    ),
    '</defs>',
    '<style>',
    `text { font: 13px sans-serif; fill: ${INK}; }`,
    '.small { font-size: 11px; }',
    '.title { font-weight: bold; }',
    '.label { font-size: 11px; font-style: italic; }',
    `.box, .sidecar, .outside { fill: #ffffff; stroke: ${INK}; stroke-width: 1.2; }`,
    `.sidecar { fill: #e8f0f8; stroke: ${MESH}; }`,
    `.outside { stroke: ${PLAIN}; stroke-dasharray: 4 3; }`,
    `.mesh { fill: #f5f8fb; stroke: ${MESH}; stroke-width: 1.5; stroke-dasharray: 8 4; }`,
    '.pod { fill: #ffffff; stroke: #9aa5b1; }',
    `.tls, .mtls, .keys, .plain { fill: none; stroke-width: 2; }`,
    `.tls { stroke: ${INK}; } .head-tls { fill: ${INK}; }`,
    `.mtls { stroke: ${MESH}; } .head-mtls { fill: ${MESH}; }`,
    `.keys { stroke: #7b8794; stroke-dasharray: 3 3; stroke-width: 1.5; } .head-keys { fill: #7b8794; }`,
    `.plain { stroke: ${PLAIN}; stroke-dasharray: 6 4; } .head-plain { fill: ${PLAIN}; }`,
    `.marker { fill: #f0b429; stroke: ${INK}; }`,
    '.marker-number { font-size: 12px; font-weight: bold; }',
    '</style>',
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('request-paths.svg', import.meta.url), renderRequestPaths());
}
