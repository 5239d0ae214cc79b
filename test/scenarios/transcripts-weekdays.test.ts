// Whole calls for every tier and route on a weekday: in office hours, in the
// evening (Cat2's extended cover) and in the small hours; over Asterisk and Twilio.
import { transcriptMatrix } from '../support/transcripts/matrix.ts';

transcriptMatrix(['office', 'evening', 'night']);
