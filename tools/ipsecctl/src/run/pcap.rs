//! `ipsecctl pcap encrypt|decrypt` streamed: read, process and write one record at a time.

use std::fs::File;
use std::io::{self, BufReader};

use super::processor::{replaced, Outcome, Processor};
use super::sink::Sink;
use super::{parse_specs, PcapJob};
use crate::capture::{CaptureError, Format, Packet, Reader, Step};
use crate::error::CliError;
use crate::output::{Output, Watcher};
use crate::report::Report;

/// Run `ipsecctl pcap encrypt|decrypt`: parse, then read, process and write one record at a
/// time. `watch` guards OUT's temporary file against interruption; `show` writes the report
/// (to standard output): for a regular-file OUT before the file is put in place, so that a
/// failure there leaves no OUT.
pub fn run_pcap(
    job: &PcapJob,
    watch: Option<Watcher<'_>>,
    show: &mut dyn FnMut(&Report) -> Result<(), CliError>,
) -> Result<Report, CliError> {
    let specs = parse_specs(&job.sas)?;
    let input_io = |error| CliError::InputIo {
        path: job.input.clone(),
        error,
    };
    let input_err = |error| CliError::Input {
        path: job.input.clone(),
        error,
    };
    let file = File::open(&job.input).map_err(input_io)?;
    if file.metadata().map_err(input_io)?.is_dir() {
        return Err(input_io(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let mut reader = Reader::new(BufReader::with_capacity(1 << 16, file)).map_err(input_err)?;
    let mut pkt = Packet {
        ts_sec: 0,
        ts_nsec: 0,
        orig_len: 0,
        link_type: 0,
        data: Vec::new(),
    };
    // The first record decides a pcapng file's link type.
    let mut step = reader.next_packet(&mut pkt).map_err(input_err)?;
    let mut proc = Processor::new(job.op, &specs, reader.link_type())?;
    proc.report.kept_dropped = job.keep_dropped;
    let out = Output::open(&job.output, watch).map_err(|error| CliError::Output {
        path: job.output.clone(),
        error,
    })?;
    let mut sink = Sink {
        out,
        writer: None,
        header_snaplen: 0,
        largest: 0,
        written: 0,
    };
    loop {
        match step {
            Step::Packet => {
                let w = sink.start(&reader)?;
                if reader.format() == Format::PcapNg && reader.nanosecond() && !w.nanosecond {
                    return Err(input_err(CaptureError::LateResolution {
                        offset: reader.offset(),
                    }));
                }
                match proc.packet(&pkt) {
                    Outcome::Pass => sink.frame(&w, &pkt)?,
                    Outcome::Replace(data) => sink.frame(&w, &replaced(&pkt, data))?,
                    Outcome::Dropped if job.keep_dropped => sink.frame(&w, &pkt)?,
                    Outcome::Dropped => {}
                }
            }
            Step::End => break,
            Step::Truncated(e) => {
                proc.report.input_truncated = Some(e.to_string());
                break;
            }
        }
        step = reader.next_packet(&mut pkt).map_err(input_err)?;
    }
    sink.start(&reader)?;
    sink.finish()?;
    let report = proc.finish();
    let out = sink.out;
    let path = out.path().to_path_buf();
    let committed = |r: io::Result<()>| r.map_err(|error| CliError::Output { path, error });
    if out.is_file() {
        show(&report)?;
        committed(out.commit())?;
    } else {
        committed(out.commit())?;
        show(&report)?;
    }
    Ok(report)
}
