import { defineDetector, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * An agent obtains a token it is not meant to hold: through a grant type its registry entry does
 * not allow, for an audience outside its systems, or with scopes beyond its allowed token scopes.
 */

const options = z.strictObject({
  check_grant: z.boolean().default(true).describe('alert on a grant type not in credentials.grants (when grants are registered)'),
  check_audience: z.boolean().default(true).describe('alert on an audience outside credentials.audiences (default: scope.systems)'),
  check_scopes: z.boolean().default(true).describe('alert on token scopes outside credentials.scopes (when scopes are registered)'),
});

const list = (items: readonly string[] | undefined): string => (items === undefined || items.length === 0 ? 'none' : items.join(', '));

export default defineDetector({
  id: 'token-escalation',
  version: '1.0.0',
  description:
    'A token_issued event whose grant type is not in the agent\'s credentials.grants (when set), whose ' +
    'audience is outside its allowed audiences (credentials.audiences, by default its scope.systems), or ' +
    'whose scopes are not all matched by credentials.scopes (when set). One finding per event; the key ' +
    'names the first problem in the order audience, scope, grant (audience:hr-prod, scope:hr:admin, ' +
    'grant:password) and the summary lists all of them.',
  eventTypes: ['token_issued'],
  maturity: 'stable',
  techniques: [TECHNIQUES.identityPrivilegeAbuse, TECHNIQUES.additionalCloudCredentials, TECHNIQUES.overprivilegedNhi],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined) return undefined;
    const token = event.token;
    const { grants } = agent.credentials;
    const tokenScope = agent.allows.tokenScope;
    const grantOut = ctx.options.check_grant && token.grant !== undefined && grants !== undefined && !grants.includes(token.grant);
    const audienceOut = ctx.options.check_audience && token.audience !== undefined && !agent.allows.audience(token.audience);
    let scopeOut = false;
    const scopes = token.scopes;
    if (ctx.options.check_scopes && scopes !== undefined && tokenScope !== undefined) {
      for (let i = 0; i < scopes.length; i++) {
        if (!tokenScope(scopes[i]!)) {
          scopeOut = true;
          break;
        }
      }
    }
    if (!grantOut && !audienceOut && !scopeOut) return undefined;

    const id = agent.id;
    const audiences = agent.credentials.audiences ?? agent.scope.systems;
    const outScopes = scopeOut && scopes !== undefined && tokenScope !== undefined ? scopes.filter((scope) => !tokenScope(scope)) : [];
    const problems: string[] = [];
    if (audienceOut) problems.push(`audience ${token.audience} is outside its allowed audiences (${list(audiences)})`);
    if (scopeOut) problems.push(`scope${outScopes.length > 1 ? 's' : ''} ${outScopes.join(', ')} ${outScopes.length > 1 ? 'are' : 'is'} outside its allowed token scopes (${list(agent.credentials.scopes)})`);
    if (grantOut) problems.push(`grant type ${token.grant} is not among its allowed grants (${list(grants)})`);
    const key = audienceOut ? `audience:${token.audience}` : scopeOut ? `scope:${outScopes[0]}` : `grant:${token.grant}`;
    const headline = audienceOut
      ? `a token for audience ${token.audience}`
      : scopeOut
        ? `a token with scope ${outScopes[0]}`
        : `a token through grant type ${token.grant}`;
    const from = token.issuer === undefined ? 'the issuer' : `issuer ${token.issuer}`;

    const observed: Record<string, unknown> = { token: token.fingerprint };
    if (token.issuer !== undefined) observed.issuer = token.issuer;
    if (token.audience !== undefined) observed.audience = token.audience;
    if (scopes !== undefined) observed.scopes = scopes;
    if (token.grant !== undefined) observed.grant = token.grant;
    if (token.task !== undefined) observed.task = token.task;
    const outside: Record<string, unknown> = {};
    if (audienceOut) outside.audience = token.audience;
    if (scopeOut) outside.scopes = outScopes;
    if (grantOut) outside.grant = token.grant;
    observed.outside = outside;
    const credentials: Record<string, unknown> = { audiences };
    if (grants !== undefined) credentials.grants = grants;
    if (agent.credentials.scopes !== undefined) credentials.scopes = agent.credentials.scopes;

    return {
      key,
      title: `${id} obtained ${headline}, beyond its registered credentials`,
      summary: `${from} issued token ${token.fingerprint} to ${id}${event.principal === undefined ? '' : ` acting for ${event.principal}`}: ${problems.join('; ')}.`,
      score: Math.min(100, (audienceOut ? 85 : scopeOut ? 80 : 70) + 5 * (problems.length - 1)),
      observed,
      expected: credentials,
      scope: { credentials },
      recommendation:
        `Revoke token fingerprint ${token.fingerprint} at ${from}, find which client configuration or token exchange ` +
        `let ${id} obtain it (custodian ${agent.custodian ?? '(none registered)'}), and review ${id}'s credentials with owner ${agent.owner ?? '(none registered)'}.`,
    };
  },
});
