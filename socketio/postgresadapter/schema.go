package postgresadapter

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// execer runs a statement: a *pgxpool.Pool, *pgx.Conn or pgx.Tx.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// CreateTable creates the attachment table table (Options.TableName; ""
// for the default) if it does not exist, with the columns Node's adapter
// documents. Node's adapter never creates it; a deployment shared with
// Node servers may as well create it once here.
func CreateTable(ctx context.Context, db execer, table string) error {
	o, err := (&Options{TableName: table}).withDefaults()
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+o.TableName+` (
		id          bigserial UNIQUE,
		created_at  timestamptz DEFAULT NOW(),
		payload     bytea
	)`)
	if err != nil {
		return fmt.Errorf("postgresadapter: create table: %w", err)
	}
	return nil
}

// Cleanup deletes the attachments of table older than age. Each adapter
// runs it every CleanupInterval with age CleanupInterval, as Node's does.
func Cleanup(ctx context.Context, db execer, table string, age time.Duration) error {
	o, err := (&Options{TableName: table}).withDefaults()
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, "DELETE FROM "+o.TableName+" WHERE created_at < now() - $1 * interval '1 millisecond'", age.Milliseconds())
	return err
}
