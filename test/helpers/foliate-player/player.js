// Plays a read-along EPUB the way foliate-js's reader does: <foliate-view> opens the book named by
// ?book=, shows its first section with an overlay and starts the media overlay. Everything the
// test asserts is recorded in window.readAlong: the overlay's highlight/unhighlight events (with
// the audio clock when each fired), the active class as it appears and goes in the rendered
// documents, and any error. foliate-js is served at /foliate/ (node_modules/foliate-js).

const log = { events: [], classChanges: [], errors: [], activeClass: undefined, started: false };
window.readAlong = log;
addEventListener('error', (event) => log.errors.push(String(event.error?.stack ?? event.message)));
addEventListener('unhandledrejection', (event) => log.errors.push(String(event.reason?.stack ?? event.reason)));

// The overlay keeps its Audio private: catch each one as it starts playing, to read its clock.
const audios = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function (...args) {
  if (!audios.includes(this)) audios.push(this);
  return play.apply(this, args);
};
const clock = () => audios.at(-1)?.currentTime ?? null;

/** Records the active class being added to or taken from any element of a rendered section. */
function watchClass(doc, section) {
  const observer = new MutationObserver((mutations) => {
    for (const { target, oldValue } of mutations) {
      const had = (oldValue ?? '').split(/\s+/u).includes(log.activeClass);
      const has = target.classList.contains(log.activeClass);
      if (had !== has) log.classChanges.push({ section, id: target.id, active: has });
    }
  });
  observer.observe(doc.documentElement, { subtree: true, attributes: true, attributeFilter: ['class'], attributeOldValue: true });
}

async function run() {
  await import('/foliate/view.js'); // defines <foliate-view>
  const view = document.createElement('foliate-view');
  document.body.append(view);
  const name = new URLSearchParams(location.search).get('book');
  const response = await fetch(name);
  if (!response.ok) throw new Error(`GET ${name}: ${response.status}`);
  // A File, not a Blob: foliate-js tells the format from the name.
  await view.open(new File([await response.blob()], 'book.epub', { type: 'application/epub+zip' }));
  const { book, mediaOverlay } = view;
  if (!mediaOverlay) throw new Error('foliate-js found no media overlay in the book');
  log.activeClass = book.media.activeClass;
  log.sections = book.sections.map((section) => section.id);
  view.addEventListener('load', ({ detail: { doc, index } }) => watchClass(doc, index));
  const record = (type) => (event) =>
    log.events.push({ type, text: event.detail?.text, begin: event.detail?.begin, end: event.detail?.end, clock: clock() });
  mediaOverlay.addEventListener('highlight', record('highlight'));
  mediaOverlay.addEventListener('unhighlight', record('unhighlight'));
  mediaOverlay.addEventListener('error', (event) => log.errors.push(String(event.detail?.stack ?? event.detail)));
  const first = book.sections.findIndex((section) => section.mediaOverlay);
  await view.goTo(first); // the overlay highlights in a rendered section
  await mediaOverlay.start(first);
  log.started = true;
}

run().catch((error) => log.errors.push(String(error?.stack ?? error)));
