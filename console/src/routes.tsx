// Every page of the console, in one list: adding a page is one line here (and its folder under pages/).
// roles: who may open it ('public': without signing in; 'everyone': any signed-in role).
// nav: its label in the navigation (a key of its area's dictionary); pages without one are reached by links.
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import type { Role } from './auth/session.tsx';
import type { Dictionary } from './i18n/i18n.tsx';
import catalogT from './i18n/catalog.ts';
import consumerT from './i18n/consumer.ts';
import stewardT from './i18n/steward.ts';
import stewardQualityT from './i18n/steward-quality.ts';
import auditorT from './i18n/auditor.ts';
import adminT from './i18n/admin.ts';
import redBlackT from './i18n/red-black.ts';

export interface NavLabel {
  dict: Dictionary<string>;
  key: string;
}
const label = <K extends string>(dict: Dictionary<K>, key: K): NavLabel => ({ dict, key });

export interface ConsoleRoute {
  /** Under /console/, without a leading slash; :params as react-router has them. */
  path: string;
  page: LazyExoticComponent<ComponentType>;
  roles: 'public' | 'everyone' | Role[];
  nav?: NavLabel;
}

// Each page is its own chunk: a page loads only its code.
export const routes: ConsoleRoute[] = [
  { path: 'sign-in', page: lazy(() => import('./pages/sign-in/SignIn.tsx')), roles: 'public' },
  { path: 'sign-in/callback', page: lazy(() => import('./pages/sign-in/Callback.tsx')), roles: 'public' },
  {
    path: 'catalog',
    page: lazy(() => import('./pages/everyone/Catalog.tsx')),
    roles: 'everyone',
    nav: label(catalogT, 'nav'),
  },
  { path: 'catalog/:id', page: lazy(() => import('./pages/everyone/DatasetPage.tsx')), roles: 'everyone' },
  {
    path: 'steward/requests',
    page: lazy(() => import('./pages/steward/Inbox.tsx')),
    roles: ['steward', 'admin'],
    nav: label(stewardT, 'navInbox'),
  },
  {
    path: 'steward/requests/:id',
    page: lazy(() => import('./pages/steward/RequestPage.tsx')),
    roles: ['steward', 'admin'],
  },
  {
    path: 'records',
    page: lazy(() => import('./pages/consumer/Records.tsx')),
    roles: ['consumer', 'steward', 'admin'],
    nav: label(consumerT, 'navRecords'),
  },
  {
    path: 'catalog/:id/records',
    page: lazy(() => import('./pages/consumer/Records.tsx')),
    roles: ['consumer', 'steward', 'admin'],
  },
  {
    path: 'requests',
    page: lazy(() => import('./pages/consumer/Requests.tsx')),
    roles: ['consumer', 'steward'],
    nav: label(consumerT, 'navRequests'),
  },
  { path: 'requests/new', page: lazy(() => import('./pages/consumer/NewRequest.tsx')), roles: ['consumer', 'steward'] },
  {
    path: 'sandbox',
    page: lazy(() => import('./pages/consumer/Sandbox.tsx')),
    roles: ['consumer', 'steward', 'admin'],
    nav: label(consumerT, 'navSandbox'),
  },
  {
    path: 'steward/datasets',
    page: lazy(() => import('./pages/steward/MyDatasets.tsx')),
    roles: ['steward', 'admin'],
    nav: label(stewardQualityT, 'navDatasets'),
  },
  {
    path: 'steward/datasets/:id',
    page: lazy(() => import('./pages/steward/DatasetQuality.tsx')),
    roles: ['steward', 'admin'],
  },
  {
    path: 'steward/datasets/:id/rules',
    page: lazy(() => import('./pages/steward/RulesEditor.tsx')),
    roles: ['steward', 'admin'],
  },
  {
    path: 'steward/upload',
    page: lazy(() => import('./pages/steward/Upload.tsx')),
    roles: ['steward', 'admin'],
    nav: label(stewardQualityT, 'navUpload'),
  },
  {
    path: 'steward/appeals',
    page: lazy(() => import('./pages/steward/Appeal.tsx')),
    roles: ['steward'],
    nav: label(stewardQualityT, 'navAppeal'),
  },
  {
    path: 'audit/events',
    page: lazy(() => import('./pages/auditor/Events.tsx')),
    roles: ['auditor', 'admin'],
    nav: label(auditorT, 'navEvents'),
  },
  {
    path: 'audit/proof',
    page: lazy(() => import('./pages/auditor/Proof.tsx')),
    roles: ['auditor', 'admin'],
    nav: label(auditorT, 'navProof'),
  },
  {
    path: 'audit/subject',
    page: lazy(() => import('./pages/auditor/Subject.tsx')),
    roles: ['auditor', 'admin'],
    nav: label(auditorT, 'navSubject'),
  },
  {
    path: 'audit/alerts',
    page: lazy(() => import('./pages/auditor/Alerts.tsx')),
    roles: ['auditor', 'admin'],
    nav: label(auditorT, 'navAlerts'),
  },
  {
    path: 'audit/export',
    page: lazy(() => import('./pages/auditor/Export.tsx')),
    roles: ['auditor', 'admin'],
    nav: label(auditorT, 'navExport'),
  },
  {
    path: 'admin/governance',
    page: lazy(() => import('./pages/admin/Governance.tsx')),
    roles: ['admin', 'steward'],
    nav: label(adminT, 'navGovernance'),
  },
  {
    path: 'quality/lists',
    page: lazy(() => import('./pages/everyone/RedBlackLists.tsx')),
    roles: 'everyone',
    nav: label(redBlackT, 'nav'),
  },
  {
    path: 'admin/publish',
    page: lazy(() => import('./pages/admin/PublishList.tsx')),
    roles: ['admin'],
    nav: label(adminT, 'navPublish'),
  },
  {
    path: 'admin/grants',
    page: lazy(() => import('./pages/admin/Grants.tsx')),
    roles: ['admin'],
    nav: label(adminT, 'navGrants'),
  },
];

export const mayOpen = (route: ConsoleRoute, role: Role | undefined) =>
  route.roles === 'public' || (role !== undefined && (route.roles === 'everyone' || route.roles.includes(role)));

/** Where a role lands after signing in: its first page in the navigation. */
export function homeOf(role: Role): string {
  const own = routes.find((r) => r.nav && Array.isArray(r.roles) && r.roles.includes(role));
  return `/${(own ?? routes.find((r) => r.nav && r.roles === 'everyone'))?.path ?? 'catalog'}`;
}
