import type { Technique } from '../../sdk/techniques.js';

export interface Tactic {
  readonly id: string;
  readonly name: string;
}

const TA = {
  initialAccess: { id: 'TA0001', name: 'Initial Access' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  privilegeEscalation: { id: 'TA0004', name: 'Privilege Escalation' },
  defenseEvasion: { id: 'TA0005', name: 'Defense Evasion' },
  credentialAccess: { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  lateralMovement: { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  impact: { id: 'TA0040', name: 'Impact' },
} as const satisfies Record<string, Tactic>;

/**
 * ATT&CK tactics of the (parent) techniques the built-in detectors map to, as listed on
 * attack.mitre.org. A technique not listed here is rendered without tactics.
 */
const ATTACK_TACTICS: Readonly<Record<string, readonly Tactic[]>> = {
  T1078: [TA.defenseEvasion, TA.persistence, TA.privilegeEscalation, TA.initialAccess],
  T1550: [TA.defenseEvasion, TA.lateralMovement],
  T1528: [TA.credentialAccess],
  T1098: [TA.persistence, TA.privilegeEscalation],
  T1213: [TA.collection],
  T1567: [TA.exfiltration],
  T1020: [TA.exfiltration],
  T1030: [TA.exfiltration],
  T1029: [TA.exfiltration],
  T1526: [TA.discovery],
  T1069: [TA.discovery],
  T1657: [TA.impact],
};

export interface MitreTechnique {
  readonly framework: 'mitre-attack' | 'mitre-atlas';
  /** The technique, or the parent technique of a sub-technique. */
  readonly technique: MitreItem;
  readonly subtechnique?: MitreItem;
  readonly tactics: readonly Tactic[];
}

export interface MitreItem {
  readonly id: string;
  readonly name: string;
  /** Permalink on attack.mitre.org or atlas.mitre.org. */
  readonly reference: string;
}

function reference(framework: MitreTechnique['framework'], id: string): string {
  return framework === 'mitre-attack'
    ? `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`
    : `https://atlas.mitre.org/techniques/${id}`;
}

const SUB_ID = /^(.*)\.(\d{3})$/;

/**
 * Splits a MITRE ATT&CK or ATLAS technique into technique and sub-technique:
 * `T1078.004 "Valid Accounts: Cloud Accounts"` gives technique `T1078 "Valid Accounts"` and
 * sub-technique `T1078.004 "Cloud Accounts"`. OWASP items are not MITRE and give undefined.
 */
export function mitreTechnique(technique: Technique): MitreTechnique | undefined {
  if (technique.framework !== 'mitre-attack' && technique.framework !== 'mitre-atlas') return undefined;
  const sub = SUB_ID.exec(technique.id);
  const split = technique.name.indexOf(': ');
  const parentId = sub?.[1] ?? technique.id;
  const parentName = sub && split > 0 ? technique.name.slice(0, split) : technique.name;
  const tactics = technique.framework === 'mitre-attack' ? ATTACK_TACTICS[parentId] ?? [] : [];
  const framework = technique.framework;
  return {
    framework,
    technique: { id: parentId, name: parentName, reference: reference(framework, parentId) },
    subtechnique: sub
      ? { id: technique.id, name: split > 0 ? technique.name.slice(split + 2) : technique.name, reference: reference(framework, technique.id) }
      : undefined,
    tactics,
  };
}

/** `T1078 Valid Accounts; ASI03 Identity and Privilege Abuse` */
export function techniqueList(techniques: readonly Technique[]): string {
  return techniques.map((t) => `${t.id} ${t.name}`).join('; ');
}
