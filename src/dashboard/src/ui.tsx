import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from './i18n.tsx';

/**
 * Loads data and keeps it fresh: `reload()` after a change; `pollMs` refreshes while something
 * is in progress (e.g. an instance still building). Errors show where the data would.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: (data: T) => number | undefined) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const loadRef = useRef(load);
  loadRef.current = load;
  // Callers pass a fresh function each render; reading it from a ref keeps a re-render (a
  // keystroke in a form) from restarting the poll timer.
  const pollRef = useRef(pollMs);
  pollRef.current = pollMs;
  const reload = useCallback(async () => {
    try {
      const d = await loadRef.current();
      setData(d);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const ms = data === undefined || !pollRef.current ? undefined : pollRef.current(data);
    if (!ms) return;
    const timer = setTimeout(() => void reload(), ms);
    return () => clearTimeout(timer);
  }, [data, reload]);
  return { data, error, reload };
}

/** Runs a user action, showing its error; returns whether it succeeded. */
export function useAction(): { busy: boolean; error: string | undefined; run: (action: () => Promise<unknown>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="page">
      <header className="page-head">
        <h1>{title}</h1>
        <div className="page-actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

export function ErrorNote({ message }: { message: string | undefined }) {
  if (!message) return null;
  return <div className="error" role="alert">{message}</div>;
}

export interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
}

/** A list with a filter box; rows page at `pageSize`. */
export function Table<T>({ rows, columns, rowKey, filterText, pageSize = 20, testId }: {
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  filterText?: (row: T) => string;
  pageSize?: number;
  testId?: string;
}) {
  const { t } = useI18n();
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  if (rows === undefined) return <p className="muted">{t('Loading')}…</p>;
  const shown = filter && filterText ? rows.filter((r) => filterText(r).toLowerCase().includes(filter.toLowerCase())) : rows;
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  const current = shown.slice(page * pageSize, (page + 1) * pageSize);
  return (
    <div className="table-wrap">
      {filterText && <input className="filter" placeholder="Filter" value={filter} onChange={(e) => { setFilter(e.target.value); setPage(0); }} />}
      <table data-testid={testId}>
        <thead>
          <tr>{columns.map((c) => <th key={c.title}>{c.title}</th>)}</tr>
        </thead>
        <tbody>
          {current.length === 0 && <tr><td colSpan={columns.length} className="muted">{t('Nothing here yet.')}</td></tr>}
          {current.map((row) => <tr key={rowKey(row)}>{columns.map((c) => <td key={c.title}>{c.cell(row)}</td>)}</tr>)}
        </tbody>
      </table>
      {pages > 1 && (
        <div className="pager">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>‹</button>
          <span>{page + 1} / {pages}</span>
          <button disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>›</button>
        </div>
      )}
    </div>
  );
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A status word coloured by what it means: ACTIVE/available are good, ERROR bad, the rest in progress. */
export function StatusBadge({ status }: { status: string }) {
  const s = status.toLowerCase();
  const kind = ['active', 'available', 'in-use', 'up'].includes(s) ? 'ok' : s.includes('error') ? 'bad' : ['shutoff', 'down', 'paused', 'suspended'].includes(s) ? 'off' : 'busy';
  return <span className={`badge ${kind}`}>{status}</span>;
}

/** A byte count in binary units, one decimal below ten of a unit. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n < 10 && u > 0 ? n.toFixed(1) : Math.round(n)} ${units[u]}`;
}
