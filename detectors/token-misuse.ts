import { defineDetector, formatDuration, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * A token used by someone or for something it was not issued for: another agent's token (replay,
 * theft, a shared secret), a token issued for another task, or a token past its expiry.
 * Judged against the token ledger, which remembers the issuance events seen on the stream.
 */

const options = z.strictObject({
  check_task: z
    .boolean()
    .default(true)
    .describe('alert when the token was issued for a task other than the event\'s agent.session (when both are set)'),
  expiry_grace_s: z
    .number()
    .nonnegative()
    .default(0)
    .describe('seconds after expiry during which a use is not reported (clock skew between issuer and agent)'),
});

const iso = (ms: number): string => new Date(ms).toISOString();

export default defineDetector({
  id: 'token-misuse',
  version: '1.0.0',
  description:
    'A tool_use whose token fingerprint the token ledger knows, and which (1) was issued to another agent, ' +
    '(2) was issued for a task other than the event\'s agent.session (both set), or (3) is used after its ' +
    'expiry (event time > issuance time + ttl_s, plus expiry_grace_s). Tokens the ledger does not know are ' +
    'not judged. The key is <problem>:<fingerprint> with the first problem in that order ' +
    '(foreign-token, task-mismatch, expired-token); the issuance event is part of the evidence. ' +
    'Another agent\'s token is critical, the other problems high.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.applicationAccessToken, TECHNIQUES.stealAccessToken, TECHNIQUES.nhiReuse, TECHNIQUES.identityPrivilegeAbuse],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    const fingerprint = event.token;
    if (fingerprint === undefined) return undefined;
    const grant = ctx.tokens.get(fingerprint);
    if (grant === undefined) return undefined;
    const id = event.agent.id;
    const session = event.agent.session;
    const foreign = grant.agentId !== id;
    const taskMismatch = ctx.options.check_task && grant.task !== undefined && session !== undefined && grant.task !== session;
    const expired = grant.expiresAt !== undefined && event.timeMs > grant.expiresAt + ctx.options.expiry_grace_s * 1000;
    if (!foreign && !taskMismatch && !expired) return undefined;

    const issuedTo = grant.agentId;
    const issuer = ctx.registry.get(issuedTo);
    const agent = ctx.agent;
    const problems: string[] = [];
    if (foreign) problems.push(`it was issued to ${issuedTo}, not to ${id}`);
    if (taskMismatch) problems.push(`it was issued for task ${grant.task}, not for session ${session}`);
    if (expired) problems.push(`it expired at ${iso(grant.expiresAt!)}, ${formatDuration(Math.ceil((event.timeMs - grant.expiresAt!) / 1000) * 1000)} before this use`);
    const key = `${foreign ? 'foreign-token' : taskMismatch ? 'task-mismatch' : 'expired-token'}:${fingerprint}`;
    const title = foreign
      ? `${id} used a token issued to ${issuedTo}`
      : taskMismatch
        ? `${id} used a token issued for another task (${grant.task})`
        : `${id} used an expired token`;

    const observed: Record<string, unknown> = { token: fingerprint, used_by: id, used_at: iso(event.timeMs), system: event.system, tool: event.tool, action: event.action };
    if (session !== undefined) observed.session = session;
    const expected: Record<string, unknown> = { used_by: issuedTo };
    if (grant.task !== undefined) expected.session = grant.task;
    if (grant.expiresAt !== undefined) expected.used_before = iso(grant.expiresAt);
    const tokenScope: Record<string, unknown> = { fingerprint, issued_to: issuedTo, issued_at: iso(grant.issuedAt), issuance_event: grant.eventId };
    if (grant.task !== undefined) tokenScope.task = grant.task;
    if (grant.expiresAt !== undefined) tokenScope.expires_at = iso(grant.expiresAt);
    if (grant.grant !== undefined) tokenScope.grant = grant.grant;

    let recommendation: string;
    if (foreign) {
      recommendation =
        `Revoke token fingerprint ${fingerprint} now; suspend ${id} until ${agent?.custodian === undefined ? 'its operators explain' : `custodian ${agent.custodian} explains`} ` +
        `how it obtained a token of ${issuedTo}, and check ${issuedTo}${issuer?.owner === undefined ? '' : ` (owner ${issuer.owner}, custodian ${issuer.custodian ?? 'none registered'})`} for leaked credentials.`;
    } else if (taskMismatch) {
      recommendation =
        `Revoke token fingerprint ${fingerprint} and have custodian ${agent?.custodian ?? '(none registered)'} check why ${id} reuses a token ` +
        `issued for task ${grant.task} in session ${session}: tokens should be bound to one task.`;
    } else {
      recommendation =
        `Revoke token fingerprint ${fingerprint} and check why system ${event.system} accepted it after its expiry ` +
        '(missing expiry validation, or clock skew between the issuer and the resource server).';
    }

    return {
      key,
      title,
      summary: `${id} called ${event.tool} to ${event.action} on system ${event.system} with token ${fingerprint} (issued at ${iso(grant.issuedAt)}, event ${grant.eventId}): ${problems.join('; ')}.`,
      severity: foreign ? 'critical' : 'high',
      score: foreign ? 95 : taskMismatch ? 80 : 75,
      observed,
      expected,
      scope: { token: tokenScope },
      evidence: [grant.eventId],
      recommendation,
    };
  },
});
