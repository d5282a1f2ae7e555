/** Technique references an alert can carry: MITRE ATT&CK / ATLAS, OWASP agentic (ASI) and NHI items. */
export interface Technique {
  readonly framework: 'mitre-attack' | 'mitre-atlas' | 'owasp-agentic' | 'owasp-nhi';
  readonly id: string;
  readonly name: string;
}

const attack = (id: string, name: string): Technique => ({ framework: 'mitre-attack', id, name });
const atlas = (id: string, name: string): Technique => ({ framework: 'mitre-atlas', id, name });
const agentic = (id: string, name: string): Technique => ({ framework: 'owasp-agentic', id, name });
const nhi = (id: string, name: string): Technique => ({ framework: 'owasp-nhi', id, name });

export const TECHNIQUES = {
  validAccounts: attack('T1078', 'Valid Accounts'),
  cloudAccounts: attack('T1078.004', 'Valid Accounts: Cloud Accounts'),
  applicationAccessToken: attack('T1550.001', 'Use Alternate Authentication Material: Application Access Token'),
  stealAccessToken: attack('T1528', 'Steal Application Access Token'),
  accountManipulation: attack('T1098', 'Account Manipulation'),
  additionalCloudCredentials: attack('T1098.001', 'Account Manipulation: Additional Cloud Credentials'),
  dataFromInformationRepositories: attack('T1213', 'Data from Information Repositories'),
  exfiltrationOverWebService: attack('T1567', 'Exfiltration Over Web Service'),
  automatedExfiltration: attack('T1020', 'Automated Exfiltration'),
  dataTransferSizeLimits: attack('T1030', 'Data Transfer Size Limits'),
  scheduledTransfer: attack('T1029', 'Scheduled Transfer'),
  cloudServiceDiscovery: attack('T1526', 'Cloud Service Discovery'),
  permissionGroupsDiscovery: attack('T1069', 'Permission Groups Discovery'),
  financialTheft: attack('T1657', 'Financial Theft'),
  promptInjection: atlas('AML.T0051', 'LLM Prompt Injection'),
  pluginCompromise: atlas('AML.T0053', 'LLM Plugin Compromise'),
  goalHijack: agentic('ASI01', 'Agent Goal Hijack'),
  toolMisuse: agentic('ASI02', 'Tool Misuse and Exploitation'),
  identityPrivilegeAbuse: agentic('ASI03', 'Identity and Privilege Abuse'),
  humanAgentTrust: agentic('ASI09', 'Human-Agent Trust Exploitation'),
  rogueAgents: agentic('ASI10', 'Rogue Agents'),
  improperOffboarding: nhi('NHI1', 'Improper Offboarding'),
  overprivilegedNhi: nhi('NHI5', 'Overprivileged NHI'),
  longLivedSecrets: nhi('NHI7', 'Long-Lived Secrets'),
  nhiReuse: nhi('NHI9', 'NHI Reuse'),
} as const satisfies Record<string, Technique>;
