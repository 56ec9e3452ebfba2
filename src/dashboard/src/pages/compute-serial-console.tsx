import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { call, type Session } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote } from '../ui.tsx';

/**
 * A fresh one-time console URL (remote consoles need compute 2.6). The URL names the host the
 * cloud was started with; the browser may know it by another name, so only path and query count.
 */
async function consoleUrl(session: Session, serverId: string): Promise<string> {
  const { remote_console: c } = await call<{ remote_console: { url: string } }>(session, 'compute', `/servers/${serverId}/remote-consoles`, {
    method: 'POST', body: { remote_console: { protocol: 'serial', type: 'serial' } }, headers: { 'OpenStack-API-Version': 'compute 2.6' },
  });
  const url = new URL(c.url);
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${url.pathname}${url.search}`;
}

type State = 'connecting' | 'connected' | 'closed';

/** The server's serial console in a terminal; each connection spends a token, so reconnecting asks for a new URL. */
export function SerialConsole({ serverId }: { serverId: string }) {
  const { t } = useI18n();
  const session = useSession();
  const screen = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>('connecting');
  const [error, setError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const term = new Terminal({ cursorBlink: true, cols: 80, rows: 24, fontSize: 14 });
    term.open(screen.current!);
    let ws: WebSocket | undefined;
    let gone = false;
    const encoder = new TextEncoder();
    const send = (bytes: Uint8Array<ArrayBuffer>) => {
      if (ws?.readyState === WebSocket.OPEN) ws.send(bytes);
    };
    term.onData((text) => send(encoder.encode(text)));
    // Mouse reports and the like arrive as one character per byte.
    term.onBinary((text) => send(Uint8Array.from(text, (c) => c.charCodeAt(0))));
    setState('connecting');
    setError(undefined);
    consoleUrl(session, serverId).then((url) => {
      if (gone) return;
      ws = new WebSocket(url, ['binary']);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        setState('connected');
        term.focus();
        // A getty waiting at its prompt prints nothing until it is asked again.
        send(encoder.encode('\r'));
      };
      ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data));
      ws.onclose = (e) => {
        if (gone) return;
        setState('closed');
        if (e.reason) term.write(`\r\n[${e.reason}]\r\n`);
      };
    }, (err: unknown) => {
      if (gone) return;
      setError(err instanceof Error ? err.message : String(err));
      setState('closed');
    });
    return () => {
      gone = true;
      ws?.close();
      term.dispose();
    };
  }, [session.token, serverId, attempt]);

  const status = { connecting: t('Connecting to the serial console…'), connected: t('Connected to the serial console.'), closed: t('The serial console is disconnected.') }[state];
  return (
    <div className="serial-console" data-testid="serial-console">
      <div className="row">
        <span data-testid="serial-console-state">{status}</span>
        {state === 'closed' && <button type="button" onClick={() => setAttempt((n) => n + 1)} data-testid="serial-console-reconnect">{t('Reconnect')}</button>}
      </div>
      <ErrorNote message={error} />
      <div ref={screen} data-testid="serial-console-screen" />
    </div>
  );
}
