-- The 12345 city hotline joined the partner agencies (dispositions hand non-police matters to it),
-- but the table still admitted only 119/120/122: with a 12345 webhook configured, closing such an
-- incident failed on this insert.
ALTER TABLE agency_notifications DROP CONSTRAINT IF EXISTS agency_notifications_agency_check;
ALTER TABLE agency_notifications ADD CONSTRAINT agency_notifications_agency_check CHECK (agency IN ('119', '120', '122', '12345'));
