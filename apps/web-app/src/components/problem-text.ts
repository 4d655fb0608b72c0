import type { ProblemKind } from '../api/api-error.ts';

export type ProblemAction = 'login' | 'logout' | 'retry' | 'none';

export interface ProblemText {
  /** Text between backticks is shown as code. */
  title: string;
  explanation: string;
  action: ProblemAction;
}

/** What the user reads for each kind of failure: what happened, and what to do about it. */
export const PROBLEM_TEXT: Readonly<Record<ProblemKind, ProblemText>> = {
  session_expired: {
    title: 'Your session expired — log in again.',
    explanation: 'web-api no longer accepts your sign-in, and it could not be renewed.',
    action: 'login',
  },
  identity_provider_unavailable: {
    title: 'Keycloak is unavailable.',
    explanation:
      'Your session needed a new access token, and Keycloak did not answer in time. Try again shortly.',
    action: 'retry',
  },
  forbidden: {
    title: 'Access denied: you lack the `user` role.',
    explanation:
      'You are signed in, but reading articles requires the realm role `user`. Log in as a user who has it, such as alice.',
    action: 'logout',
  },
  denied_by_policy: {
    title: 'A policy in front of web-api denied the request.',
    explanation:
      'Your roles were not the reason: a rule of the platform, such as an Istio AuthorizationPolicy, refused the call.',
    action: 'retry',
  },
  articles_unavailable: {
    title: 'The articles service is unavailable.',
    explanation: 'web-api could not get the articles from the articles service. Try again shortly.',
    action: 'retry',
  },
  web_api_unavailable: {
    title: 'web-api is unavailable.',
    explanation: 'The request did not reach a working web-api. Try again shortly.',
    action: 'retry',
  },
  rate_limited: {
    title: 'Too many requests.',
    explanation: 'web-api limits how often one address may call it. Wait a moment, then try again.',
    action: 'retry',
  },
  invalid_request: {
    title: 'web-api refused the request as invalid.',
    explanation: 'This is a defect in the web-app; the details below say what web-api objected to.',
    action: 'none',
  },
  unexpected: {
    title: 'The articles could not be loaded.',
    explanation: 'Something unexpected went wrong; the details below say what.',
    action: 'retry',
  },
};
