package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// The classifier's counts live in the store (model_features, model_docs, model_learned), changed
// in the transaction that teaches them. A process reads them when it first classifies a request:
// starting deskd costs nothing in the size of the desk, and the model takes the memory of its
// vocabulary, not of the desk's history. TrainModel rebuilds them from every example, once on a
// desk from before they were kept (PrepareModel), or on request.

// modelBuilt is the kv key set once the store holds the model's counts.
const modelBuilt = "model_built"

// lesson is one ticket's category learned in a transaction, for the live model once it commits.
type lesson struct {
	old, category string   // What the ticket was learned as before ("" for nothing), and now.
	feats         []string // The features of its training text.
}

// examplesQuery lists every training example: tickets whose category was corrected or learned
// (the training table, filled by learn), and every resolved or closed ticket with a category that
// was never taught (a desk from before learn).
const examplesQuery = `
	SELECT ticket_id, category, text FROM training WHERE category != ''
	UNION ALL
	SELECT t.id, t.category, t.subject || char(10) || COALESCE((SELECT e.text FROM events e
		WHERE e.ticket_id = t.id AND e.kind = 'message' ORDER BY e.id LIMIT 1), '')
	FROM tickets t
	WHERE t.status IN ('resolved', 'closed') AND t.category != ''
		AND NOT EXISTS (SELECT 1 FROM training r WHERE r.ticket_id = t.id)`

// trainFrom builds a model from every example in the store.
func trainFrom(ctx context.Context, q querier) (*Model, error) {
	rows, err := q.QueryContext(ctx, examplesQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := NewModel()
	for rows.Next() {
		var id int64
		var cat, text string
		if err := rows.Scan(&id, &cat, &text); err != nil {
			return nil, err
		}
		m.Add(cat, text)
	}
	return m, rows.Err()
}

// TrainModel rebuilds the classifier from every example in the store (see examplesQuery), replaces
// the stored counts with it and puts it in use. It reads the whole history: PrepareModel calls it
// once, on a desk whose store does not hold the counts yet.
func (d *Desk) TrainModel(ctx context.Context) error {
	var m *Model
	locked := false
	defer func() {
		if locked {
			d.train.Unlock()
		}
	}()
	err := d.Store.write(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = trainFrom(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM model_features`, `DELETE FROM model_docs`, `DELETE FROM model_learned`,
			`INSERT INTO model_learned (ticket_id, category)
				SELECT ticket_id, category FROM training WHERE category != ''
				UNION ALL
				SELECT id, category FROM tickets t WHERE status IN ('resolved', 'closed') AND category != ''
					AND NOT EXISTS (SELECT 1 FROM training r WHERE r.ticket_id = t.id)`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO model_features (feature, category, n) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		err = m.eachCount(func(f, cat string, n int) error {
			_, err := ins.ExecContext(ctx, f, cat, n)
			return err
		})
		if err != nil {
			return err
		}
		for cat, n := range m.docs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO model_docs (category, n) VALUES (?, ?)`, cat, n); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value) VALUES (?, '1')
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, modelBuilt); err != nil {
			return err
		}
		// Held across the commit: no lesson committed meanwhile reaches the live model before
		// this one replaces it.
		d.train.Lock()
		locked = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("train model: %w", err)
	}
	d.model.Store(m)
	d.Log.Info("classifier trained", "examples", m.Examples(), "categories", len(m.docs))
	return nil
}

// PrepareModel makes sure the store holds the classifier's counts: on a desk from before they were
// kept there, it trains the model once from the desk's history (TrainModel). Otherwise it reads
// one row; the model itself is read when first needed.
func (d *Desk) PrepareModel(ctx context.Context) error {
	v, err := d.Store.KV(ctx, modelBuilt)
	if err != nil {
		return fmt.Errorf("prepare model: %w", err)
	}
	if v != "" {
		return nil
	}
	return d.TrainModel(ctx)
}

// LoadModel prepares the classifier (PrepareModel) and reads it now rather than at the first
// request: for the daemon, whose first mail should not wait for it.
func (d *Desk) LoadModel(ctx context.Context) error {
	if err := d.PrepareModel(ctx); err != nil {
		return err
	}
	_, err := d.liveModel(ctx)
	return err
}

// liveModel returns the model in use, reading it from the store the first time.
func (d *Desk) liveModel(ctx context.Context) (*Model, error) {
	if m := d.model.Load(); m != nil {
		return m, nil
	}
	d.train.Lock()
	defer d.train.Unlock()
	if m := d.model.Load(); m != nil {
		return m, nil
	}
	m, err := d.Store.readModel(ctx)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	d.model.Store(m)
	return m, nil
}

// readModel reads the model's counts in one read transaction. A store that does not hold them yet
// (PrepareModel never ran) gets a model trained from its examples, in memory only.
func (s *Store) readModel(ctx context.Context) (*Model, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // Read only: nothing to keep.
	var built string
	err = tx.QueryRowContext(ctx, `SELECT value FROM kv WHERE key = ?`, modelBuilt).Scan(&built)
	if errors.Is(err, sql.ErrNoRows) {
		return trainFrom(ctx, tx)
	}
	if err != nil {
		return nil, err
	}
	m := NewModel()
	rows, err := tx.QueryContext(ctx, `SELECT category, n FROM model_docs`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var cat string
		var n int
		if err := rows.Scan(&cat, &n); err != nil {
			rows.Close()
			return nil, err
		}
		m.docs[cat], m.total = n, m.total+n
		m.addCategory(cat)
		if m.counts != nil {
			m.counts[cat] = map[string]int{}
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT feature, category, n FROM model_features`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f, cat string
		var n int
		if err := rows.Scan(&f, &cat, &n); err != nil {
			return nil, err
		}
		if num, ok := m.numOf[cat]; ok && n > 0 {
			m.set(num, cat, f, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m.finish()
	return m, nil
}

// learn records the ticket's category as a training example and teaches the model, replacing
// what it learned of this ticket before: the stored counts now, the model in use once the
// transaction commits. SetCategory calls it on every correction, Resolve on every resolution.
// Calling it again with the same category changes nothing. A ticket without category is skipped.
func (t *Tx) learn(tk *Ticket) error {
	if tk.Category == "" {
		return nil
	}
	var first string
	err := t.queryRow(`SELECT text FROM events WHERE ticket_id = ? AND kind = 'message' ORDER BY id LIMIT 1`, tk.ID).Scan(&first)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("learn: %w", err)
	}
	text := trainingText(tk.Subject, first)
	_, err = t.exec(`INSERT INTO training (ticket_id, category, text, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET category = excluded.category, text = excluded.text, at = excluded.at`,
		tk.ID, tk.Category, text, t.Now.Unix())
	if err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	var old string
	err = t.queryRow(`SELECT category FROM model_learned WHERE ticket_id = ?`, tk.ID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("learn: %w", err)
	}
	if old == tk.Category {
		return nil
	}
	// The subject and first message do not change: the same text as learned before.
	feats := Features(text)
	counts := map[string]int{}
	for _, f := range feats {
		counts[f]++
	}
	if err := t.teachCounts(old, counts, -1); err != nil {
		return err
	}
	if err := t.teachCounts(tk.Category, counts, 1); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO model_learned (ticket_id, category) VALUES (?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET category = excluded.category`, tk.ID, tk.Category); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	t.lessons = append(t.lessons, lesson{old: old, category: tk.Category, feats: feats})
	return nil
}

// teachCounts adds (sign 1) or takes back (sign -1) one example of a category in the stored
// counts, as Model.add does in memory: a count that reaches zero is deleted, and so is a
// category without examples.
func (t *Tx) teachCounts(category string, counts map[string]int, sign int) error {
	if category == "" {
		return nil
	}
	js, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	// WHERE true: an upsert's SELECT needs one, or ON reads as a join (SQLite's parsing ambiguity).
	// PostgreSQL reads a JSON object's members with json_each_text, as text.
	d := t.d.Store.dialect
	if _, err := t.exec(`INSERT INTO model_features (feature, category, n) SELECT key, CAST(? AS TEXT), `+
		d.pick(`value * ? FROM json_each(?)`, `CAST(value AS BIGINT) * CAST(? AS BIGINT) FROM json_each_text(CAST(? AS JSON))`)+` WHERE true
		ON CONFLICT (feature, category) DO UPDATE SET n = model_features.n + excluded.n`, category, sign, string(js)); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	if _, err := t.exec(`INSERT INTO model_docs (category, n) VALUES (?, ?)
		ON CONFLICT (category) DO UPDATE SET n = model_docs.n + excluded.n`, category, sign); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	if sign > 0 {
		return nil
	}
	if _, err := t.exec(`DELETE FROM model_features WHERE category = ? AND n <= 0
		AND feature IN (SELECT key FROM `+d.pick(`json_each(?)`, `json_each_text(CAST(? AS JSON))`)+`)`, category, string(js)); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	// A category left without examples has no counts left either; readModel would skip them.
	if _, err := t.exec(`DELETE FROM model_docs WHERE category = ? AND n <= 0`, category); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	return nil
}

// teach applies the lessons of a committed transaction to the model in use. The caller holds
// d.train. A model not read yet needs nothing: the store has the lessons for when it is.
func (d *Desk) teach(ls []lesson) {
	cur := d.model.Load()
	if cur == nil || len(ls) == 0 {
		return
	}
	m := cur.clone()
	for _, l := range ls {
		m.add(l.old, l.feats, -1)
		m.add(l.category, l.feats, 1)
	}
	d.model.Store(m)
}
