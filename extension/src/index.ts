/**
 * The studies side panel: every nas_notebook and Optuna study the server finds under its root
 * (journal and SQLite files) and in the storages it was given, with live state, trial counts
 * and best value. A click opens a small notebook showing the study's dashboard.
 *
 * The data comes from the server extension's routes (nas-notebook/api/...), through
 * ServerConnection, which adds the token and the XSRF header. Every string that comes from a
 * study (its name, parameters, storage path) is put in the page as text (textContent), never
 * as HTML.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { preloadPlotly } from './plotly';

const ROUTE = 'nas-notebook/api';
/** Milliseconds between reads while the panel is shown, and while it is hidden. */
const POLL_SHOWN = 2000;
const POLL_HIDDEN = 15000;

const icon = new LabIcon({
  name: 'nas-notebook:studies',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<circle cx="5" cy="12" r="2.5"/><circle cx="12" cy="5" r="2.5"/>' +
    '<circle cx="12" cy="19" r="2.5"/><circle cx="19" cy="12" r="2.5"/>' +
    '<path d="M6.5 10.5 10.5 6.5M6.5 13.5l4 4M13.5 6.5l4 4M13.5 17.5l4-4" ' +
    'stroke="#616161" stroke-width="1.5"/></g></svg>'
});

interface IStudy {
  storage: string;
  name: string;
  state: string;
  directions: string[];
  trials: Record<string, number>;
  n_trials: number;
  budget: number | null;
  best_value: number | null;
  best_number: number | null;
  algo: string | null;
  last_update: number | null;
  ours: boolean;
}

interface IStorage {
  id: string;
  kind: string;
  location: string;
  error: string | null;
  n_studies: number;
}

interface IListing {
  root: string;
  storages: IStorage[];
  studies: IStudy[];
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, ROUTE, path);
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    let reason = response.statusText;
    try {
      reason = (await response.json()).message || reason;
    } catch {
      // not JSON: keep the status text
    }
    throw new Error(`${response.status} ${reason}`);
  }
  return (await response.json()) as T;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function ago(seconds: number | null): string {
  if (!seconds) {
    return '';
  }
  const delta = Math.max(0, Date.now() / 1000 - seconds);
  if (delta < 60) {
    return `${Math.round(delta)} s ago`;
  }
  if (delta < 3600) {
    return `${Math.round(delta / 60)} min ago`;
  }
  if (delta < 86400) {
    return `${Math.round(delta / 3600)} h ago`;
  }
  return new Date(seconds * 1000).toLocaleDateString();
}

function formatValue(value: number | null): string {
  if (value === null || value === undefined) {
    return '–';
  }
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(3)
    : value.toPrecision(4);
}

function counts(study: IStudy): string {
  const t = study.trials;
  const parts = [`${t.complete} complete`];
  const labels: { [state: string]: string } = { fail: 'failed', warm: 'warm start' };
  for (const state of ['running', 'pruned', 'fail', 'waiting', 'warm']) {
    if (t[state]) {
      parts.push(`${t[state]} ${labels[state] ?? state}`);
    }
  }
  const budget = study.budget ? ` of ${study.budget}` : '';
  return `${study.n_trials}${budget} trials: ${parts.join(', ')}`;
}

/** The side panel; one per application. */
export class StudiesPanel extends Widget {
  constructor(private app: JupyterFrontEnd) {
    super();
    this.id = 'nas-notebook-studies';
    this.addClass('nas-studies');
    this.title.icon = icon;
    this.title.caption = 'Studies (nas_notebook)';
    const header = element('div', 'nas-studies-header');
    header.appendChild(element('h2', 'nas-studies-title', 'Studies'));
    this.status = element('span', 'nas-studies-status', 'loading…');
    header.appendChild(this.status);
    this.node.appendChild(header);
    this.list = element('ul', 'nas-studies-list');
    this.node.appendChild(this.list);
    this.message = element('div', 'nas-studies-empty');
    this.node.appendChild(this.message);
    void this.poll();
  }

  dispose(): void {
    if (this.timer !== undefined) {
      window.clearTimeout(this.timer);
    }
    super.dispose();
  }

  /** Read the studies now, then again after a delay (shorter while the panel is shown). */
  async poll(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      this.render(await request<IListing>('studies'));
    } catch (error) {
      this.message.className = 'nas-studies-error';
      this.message.textContent = `Could not read the studies: ${(error as Error).message}`;
      this.status.textContent = 'error';
    }
    this.timer = window.setTimeout(
      () => void this.poll(),
      this.isVisible ? POLL_SHOWN : POLL_HIDDEN
    );
  }

  render(listing: IListing): void {
    this.list.replaceChildren(...listing.studies.map(study => this.row(study)));
    const broken = listing.storages.filter(s => s.error);
    this.message.className = broken.length ? 'nas-studies-error' : 'nas-studies-empty';
    this.message.textContent = broken.length
      ? broken.map(s => `${s.location}: ${s.error}`).join('\n')
      : listing.studies.length
        ? ''
        : 'No studies yet: run a %%search cell, or save an Optuna study in a journal or ' +
          'SQLite file under this folder.';
    const n = listing.studies.length;
    this.status.textContent = `${n} ${n === 1 ? 'study' : 'studies'}`;
  }

  private row(study: IStudy): HTMLLIElement {
    const row = element('li', 'nas-study');
    row.dataset.state = study.state;
    row.title = `${study.name}\n${study.storage}`;
    const top = element('div', 'nas-study-line');
    // A name too long for the side bar ends in an ellipsis: its title holds all of it.
    const name = element('span', 'nas-study-name', study.name);
    name.title = study.name;
    top.appendChild(name);
    // The state is said in words; its colour (one per state, see the style) only adds to it.
    const state = element('span', 'nas-study-state', study.state);
    state.title = `state: ${study.state}`;
    top.appendChild(state);
    row.appendChild(top);
    const direction = study.directions.length === 1 ? study.directions[0] : 'multi-objective';
    const best =
      study.directions.length === 1
        ? `best ${formatValue(study.best_value)}` +
          (study.best_number !== null ? ` (#${study.best_number})` : '')
        : direction;
    const details = [
      counts(study),
      `${best}, ${direction === 'multi-objective' ? '' : direction}`.replace(/, $/, ''),
      [study.algo, study.storage.replace(/^file:/, ''), ago(study.last_update)]
        .filter(Boolean)
        .join(' · ')
    ];
    for (const line of details) {
      row.appendChild(element('div', 'nas-study-detail', line));
    }
    row.addEventListener('click', () => void this.open(study));
    return row;
  }

  /** Write (or reuse) the study's dashboard notebook, open it and run it. */
  async open(study: IStudy): Promise<void> {
    try {
      const { path } = await request<{ path: string }>('dashboard', {
        method: 'POST',
        body: JSON.stringify({ storage: study.storage, study: study.name })
      });
      const widget: any = await this.app.commands.execute('docmanager:open', { path });
      await widget?.context?.sessionContext?.ready;
      await this.app.commands.execute('notebook:run-all-cells');
    } catch (error) {
      this.message.className = 'nas-studies-error';
      this.message.textContent = `Could not open ${study.name}: ${(error as Error).message}`;
    }
  }

  private status: HTMLSpanElement;
  private list: HTMLUListElement;
  private message: HTMLDivElement;
  private timer: number | undefined;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'nas-notebook:studies',
  description: 'A side panel listing the studies under the server root.',
  autoStart: true,
  requires: [ILabShell],
  activate: (app: JupyterFrontEnd, shell: ILabShell) => {
    shell.add(new StudiesPanel(app), 'left', { rank: 850 });
    void app.restored.then(preloadPlotly);
  }
};

export default plugin;
