/** One built file of the dashboard: its content-hashed name and its text. */
export interface DashboardFile {
  name: string;
  text: string;
}

/** Builds src/dashboard/ into its minified script and style sheet (scripts/build-dashboard.mjs). */
export function buildDashboard(): Promise<{ script: DashboardFile; style: DashboardFile }>;
