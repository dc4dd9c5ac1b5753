// Rewrites <time data-local-time> (written in UTC by the server) to the browser's time zone:
// "today 14:02", "yesterday 09:30", or "28 Nov 2026, 14:02". The UTC text stays as the tooltip.
(() => {
  const lang = document.documentElement.lang || undefined;
  const clock = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const date = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric' });
  const dayOf = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const rewrite = () => {
    const today = dayOf(new Date());
    for (const el of document.querySelectorAll('time[data-local-time]')) {
      const at = new Date(el.getAttribute('datetime'));
      if (Number.isNaN(at.getTime())) continue;
      // Days differ by 23 or 25 hours across a daylight-saving change: round, do not floor.
      const daysAgo = Math.round((today - dayOf(at)) / 86400000);
      const day = daysAgo === 0 ? el.dataset.today : daysAgo === 1 ? el.dataset.yesterday : undefined;
      if (!el.title) el.title = el.textContent;
      el.textContent = day ? `${day} ${clock.format(at)}` : `${date.format(at)}, ${clock.format(at)}`;
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', rewrite);
  else rewrite();
})();
