// The websocket client: one connection to /ws, JSON messages out and in,
// frames in the binary layout (frames.js), reconnection with back-off, and
// the server's close reason shown to people.

import { decodeFrame } from './frames.js';

export class Connection {
  /**
   * @param {(msg: object) => void} onMessage
   * @param {(status: string, detail: string) => void} onStatus
   * @param {() => void} onOpen called on every (re)connection
   */
  constructor(onMessage, onStatus, onOpen) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onOpen = onOpen;
    this.delay = 500;
    this.ws = null;
    this.closedByServer = false;
  }

  connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?frames=binary';
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.onStatus('connecting', 'connecting to the server…');
    ws.onopen = () => {
      this.delay = 500;
      this.onStatus('open', 'connected');
      this.onOpen();
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = typeof ev.data === 'string' ? JSON.parse(ev.data) : decodeFrame(ev.data);
      } catch (e) {
        console.error('the server sent a message the page cannot read', e);
        return;
      }
      if (msg) this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      const why = ev.reason ? `: ${ev.reason}` : '';
      if (ev.code === 4000) {
        // Idle: the server freed the session. Connect again when someone
        // uses the page.
        this.onStatus('idle', `disconnected while idle${why}; it reconnects when you use the page`);
        const wake = () => {
          for (const t of ['pointerdown', 'keydown', 'focus']) window.removeEventListener(t, wake, true);
          this.connect();
        };
        for (const t of ['pointerdown', 'keydown', 'focus']) window.addEventListener(t, wake, true);
        return;
      }
      // 1013: the server is full; 1001: it is shutting down. Try again later
      // either way, more slowly each time.
      this.onStatus('closed', `disconnected (${ev.code}${why}); trying again in ${Math.round(this.delay / 1000)} s`);
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    };
  }

  get open() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  send(msg) {
    if (this.open) this.ws.send(JSON.stringify(msg));
  }
}
