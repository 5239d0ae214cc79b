// Whole calls for every tier and route when the office is shut for the day: a
// weekend, an England and Wales bank holiday and an office closure; over Asterisk and Twilio.
import { transcriptMatrix } from '../support/transcripts/matrix.ts';

transcriptMatrix(['weekend', 'bankHoliday', 'closure']);
