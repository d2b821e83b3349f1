/// The style and script every page loads from `/static/` — the only files a page loads besides
/// its images, all from this server. No build step: this is the source.
enum PageAssets {
    static let css = """
        :root { color-scheme: light dark; --line: #8884; --ok: #2a7d3b; --bad: #b3261e; --wait: #8a6d00; }
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
        nav { display: flex; gap: 1.2em; padding: .7em 1.5em; border-bottom: 1px solid var(--line); }
        nav a { font-weight: 600; text-decoration: none; }
        main { padding: 1em 1.5em 3em; max-width: 1400px; }
        table.jobs { border-collapse: collapse; width: 100%; }
        table.jobs th, table.jobs td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); }
        .status { font-weight: 600; }
        .completed, .approved, .passed { color: var(--ok); }
        .failed, .rejected, .cancelled { color: var(--bad); }
        .running, .queued, .pending, .generated, .checked { color: var(--wait); }
        .items { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 1em; }
        figure.item { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .5em; }
        figure.item img { width: 100%; height: 200px; object-fit: contain; background: #8882; }
        figure.item.decided { opacity: .55; }
        figcaption p { margin: .25em 0; overflow-wrap: anywhere; }
        .reason, .error { color: var(--bad); }
        .prompt, .tags { font-size: 85%; opacity: .8; }
        .title { font-weight: 600; }
        .actions button { margin-right: .3em; }
        pre#log { max-height: 28em; overflow: auto; border: 1px solid var(--line); padding: .6em; font-size: 85%; }
        form.login { display: flex; gap: .5em; max-width: 32em; }
        form.login input { flex: 1; }
        """

    static let script = """
        'use strict';
        // The part of the page marked id="live" data-refresh="MS" is reloaded in place.
        function refresh(live) {
          const every = Number(live.dataset.refresh);
          if (!every) return;
          setTimeout(async () => {
            try {
              const reply = await fetch(location.href, {credentials: 'same-origin', headers: {Accept: 'text/html'}});
              if (reply.ok) {
                const fresh = new DOMParser().parseFromString(await reply.text(), 'text/html').getElementById('live');
                if (fresh) { live.innerHTML = fresh.innerHTML; live.dataset.refresh = fresh.dataset.refresh || ''; }
              }
            } catch (e) { /* the server may be restarting: try again */ }
            refresh(live);
          }, every);
        }

        // Review buttons: POST, then say what happened beside them.
        document.addEventListener('click', async (event) => {
          const button = event.target.closest('button[data-action]');
          if (!button) return;
          const item = button.closest('[data-item]');
          const result = item.querySelector('.result');
          item.querySelectorAll('button').forEach((b) => { b.disabled = true; });
          result.textContent = '…';
          try {
            const reply = await fetch(button.dataset.action, {method: 'POST', credentials: 'same-origin'});
            const body = await reply.json().catch(() => ({}));
            if (reply.ok) {
              result.textContent = body.action + (body.file ? ': ' + body.file : '') + (body.reason ? ' (' + body.reason + ')' : '');
              item.classList.add('decided');
              item.dataset.decided = body.action;
              if (body.action === 'rejected') item.querySelectorAll('button').forEach((b) => { b.disabled = false; });
            } else {
              result.textContent = (body.error && body.error.message) || ('HTTP ' + reply.status);
              item.querySelectorAll('button').forEach((b) => { b.disabled = false; });
            }
          } catch (e) {
            result.textContent = String(e);
            item.querySelectorAll('button').forEach((b) => { b.disabled = false; });
          }
        });

        // The job's log: written to its newest line, then followed as Server-Sent Events.
        function follow(log) {
          const source = new EventSource(log.dataset.follow);
          source.onmessage = (message) => {
            const e = JSON.parse(message.data);
            const line = [e.ts.replace(/\\.\\d+Z$/, 'Z'), e.level, e.stage || '-', e.item != null ? '#' + e.item : '', e.message]
              .filter((part) => part !== '').join(' ');
            log.textContent += line + '\\n';
            log.scrollTop = log.scrollHeight;
          };
          source.addEventListener('end', () => source.close());
        }

        document.addEventListener('DOMContentLoaded', () => {
          const live = document.getElementById('live');
          if (live) refresh(live);
          const log = document.getElementById('log');
          if (log && log.dataset.follow) follow(log);
        });
        """
}
