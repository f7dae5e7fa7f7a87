export default function Loading() {
  return (
    <main aria-busy="true">
      <section className="panel" aria-label="Loading">
        <div className="skeleton" style={{ height: 28, width: '30%', marginBottom: 12 }} />
        <div className="skeleton" style={{ height: 420 }} />
      </section>
    </main>
  );
}
