import type { Article } from '@cns/articles-contract';

const HARALD = 'Harald Uebele';
const NIKLAS = 'Niklas Heidloff';

/** The sample articles of the original Cloud Native Starter, in its order. */
export const SAMPLE_ARTICLES: readonly Readonly<Article>[] = Object.freeze(
  [
    [
      'Blue Cloud Mirror — (Don’t) Open The Doors!',
      'https://haralduebele.github.io/2019/02/17/blue-cloud-mirror-dont-open-the-doors/',
      HARALD,
    ],
    [
      'Recent Java Updates from IBM',
      'http://heidloff.net/article/recent-java-updates-from-ibm',
      NIKLAS,
    ],
    [
      'Developing and debugging Microservices with Java',
      'http://heidloff.net/article/debugging-microservices-java-kubernetes',
      NIKLAS,
    ],
    [
      'IBM announced Managed Istio and Managed Knative',
      'http://heidloff.net/article/managed-istio-managed-knative',
      NIKLAS,
    ],
    [
      'Three Minutes Demo of Blue Cloud Mirror',
      'http://heidloff.net/article/blue-cloud-mirror-demo-video',
      NIKLAS,
    ],
    [
      'Blue Cloud Mirror Architecture Diagrams',
      'http://heidloff.net/article/blue-cloud-mirror-architecture-diagrams',
      NIKLAS,
    ],
    [
      'Three awesome TensorFlow.js Models for Visual Recognition',
      'http://heidloff.net/article/tensorflowjs-visual-recognition',
      NIKLAS,
    ],
    [
      'Install Istio and Kiali on IBM Cloud or Minikube',
      'https://haralduebele.github.io/2019/02/22/install-istio-and-kiali-on-ibm-cloud-or-minikube/',
      HARALD,
    ],
    [
      'Dockerizing Java MicroProfile Applications',
      'http://heidloff.net/article/dockerizing-container-java-microprofile',
      NIKLAS,
    ],
    [
      'Debugging Microservices running in Kubernetes',
      'http://heidloff.net/article/debugging-microservices-kubernetes',
      NIKLAS,
    ],
  ].map(([title, url, authorName], index) =>
    Object.freeze({ id: String(index + 1), title, url, authorName } as Article),
  ),
);

const serialized = new Map<number, Buffer>();

/**
 * The first `amount` articles (or all of them) as a JSON body. The list never changes, so each
 * length is serialized once instead of on every request.
 */
export function articlesJson(amount?: number): Buffer {
  const count = Math.min(amount ?? SAMPLE_ARTICLES.length, SAMPLE_ARTICLES.length);
  let body = serialized.get(count);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(SAMPLE_ARTICLES.slice(0, count)));
    serialized.set(count, body);
  }
  return body;
}
