/**
 * plotly.js for the dashboard's figures, loaded while the page idles after JupyterLab started:
 * the browser then evaluates it before any dashboard is shown, not while the user waits for
 * one, and from a cached URL (nas-notebook/api/plotly.mjs, behind Jupyter's auth) whose
 * compiled code Chromium keeps between visits. The figures find it under a global symbol;
 * where this did not run (another front end) or failed, they ask their kernel for it.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

const PLOTLY = Symbol.for('nas_notebook.plotly');

export function preloadPlotly(): void {
  const start = (): void => {
    const scope = globalThis as unknown as Record<symbol, Record<string, Promise<unknown> | undefined>>;
    const cache = (scope[PLOTLY] ??= {});
    if (cache.full || cache.cartesian) {
      return;
    }
    const url = URLExt.join(ServerConnection.makeSettings().baseUrl, 'nas-notebook/api/plotly.mjs');
    const loading = import(/* webpackIgnore: true */ url).then(
      (module: { default: unknown }) => module.default
    );
    cache.cartesian = loading;
    loading.catch(() => {
      if (cache.cartesian === loading) {
        delete cache.cartesian;
      }
    });
  };
  const idle = (window as unknown as { requestIdleCallback?: (f: () => void, o: object) => void })
    .requestIdleCallback;
  if (idle) {
    idle(start, { timeout: 1000 });
  } else {
    window.setTimeout(start, 500);
  }
}
