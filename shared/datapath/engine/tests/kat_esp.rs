//! ESP known-answer tests, byte for byte on the whole ESP packet:
//! RFC 3602 §4 cases 5–8 (AES-CBC ESP packets) and the ESP packets of
//! draft-mcgrew-gcm-test-01 (AES-GCM, including the 64-bit extended
//! sequence number cases, and the AES-GMAC case).
#![cfg(test)]

use ipsec_engine::{
    AesKeySize, EspConfig, EspEncryption, EspIntegrity, EspSa, GcmIcvLen, PacketError,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).expect("hex")
}

/// Payload || 1, 2, ... || pad length || next header, padded to `block`.
fn trailer(payload: &[u8], nh: u8, block: usize) -> Vec<u8> {
    let pad = (block - (payload.len() + 2) % block) % block;
    let mut v = payload.to_vec();
    v.extend((1..=pad).map(|i| i as u8));
    v.push(pad as u8);
    v.push(nh);
    v
}

struct Rfc3602 {
    key: &'static str,
    spi: u32,
    seq: u32,
    iv: &'static str,
    payload: &'static str,
    nh: u8,
    esp: &'static str,
}

const RFC3602: [Rfc3602; 4] = [
    // Case #5: 64-byte ICMP echo request, transport mode, AES-128.
    Rfc3602 {
        key: "90d382b410eeba7ad938c46cec1a82bf",
        spi: 0x4321,
        seq: 1,
        iv: "e96e8c08ab465763fd098d45dd3ff893",
        payload: "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
                  202122232425262728292a2b2c2d2e2f3031323334353637",
        nh: 1,
        esp: "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849\
              a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c\
              538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6",
    },
    // Case #6: 20-byte ICMP payload.
    Rfc3602 {
        key: "90d382b410eeba7ad938c46cec1a82bf",
        spi: 0x4321,
        seq: 8,
        iv: "69d08df7d203329db093fc4924e5bd80",
        payload: "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777",
        nh: 1,
        esp: "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109\
              689bb379d2d750c0d915dca346a89f75",
    },
    // Case #7: tunnel mode, 64-byte ICMP inner packet.
    Rfc3602 {
        key: "0123456789abcdef0123456789abcdef",
        spi: 0x8765,
        seq: 2,
        iv: "f4e765244f6407adf13dc1380f673f37",
        payload: "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b\
                  0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233\
                  34353637",
        nh: 4,
        esp: "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c\
              237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b\
              8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
    },
    // Case #8: tunnel mode, 48-byte ICMP inner packet.
    Rfc3602 {
        key: "0123456789abcdef0123456789abcdef",
        spi: 0x8765,
        seq: 5,
        iv: "85d47224b5f3dd5d2101d4ea8dffab22",
        payload: "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffff\
                  ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        nh: 4,
        esp: "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048f\
              e45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de\
              435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892",
    },
];

#[test]
fn rfc3602_esp_cases_5_to_8() {
    for (i, c) in RFC3602.iter().enumerate() {
        let cfg = EspConfig {
            encryption: EspEncryption::AesCbc(AesKeySize::Aes128),
            integrity: EspIntegrity::None,
            esn: false,
        };
        let sa = EspSa::new_unauthenticated(cfg, &h(c.key)).expect("sa");
        let iv = h(c.iv);
        let payload = h(c.payload);
        let mut pkt = Vec::new();
        pkt.extend(c.spi.to_be_bytes());
        pkt.extend(c.seq.to_be_bytes());
        pkt.extend(vec![0u8; 16]);
        pkt.extend(trailer(&payload, c.nh, 16));
        sa.seal_with_iv(&mut pkt, &iv, 0).expect("seal");
        assert_eq!(
            hex::encode(&pkt),
            hex::encode(h(c.esp)),
            "RFC 3602 case {}",
            i + 5
        );
        // And back.
        let o = sa.open(&mut pkt, 0).expect("open");
        assert_eq!(o.next_header, c.nh);
        let body = &pkt[o.payload_offset..o.payload_offset + o.payload_len];
        assert_eq!(body, &payload[..], "case {} decrypt", i + 5);
    }
}

struct Gcm {
    key: &'static str,
    nonce: &'static str,
    aad: &'static str,
    plain: &'static str,
    ct: &'static str,
    tag: &'static str,
}

/// draft-mcgrew-gcm-test-01 ESP test cases. `nonce` = salt || IV; `aad` =
/// SPI || seq (8 bytes) or SPI || seq_hi || seq_lo (12 bytes, ESN).
const GCM: [Gcm; 14] = [
    Gcm {
        key: "4c80cdefbb5d10da906ac73c3613a634",
        nonce: "2e443b684956ed7e3b244cfe",
        aad: "000043218765432100000000",
        plain: "45000048699a000080114db7c0a80102c0a801010a9bf15638d301000001000000000000045f736970045f756470037369700963796265726369747902646b000021000101020201",
        ct: "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce61bc17d768fd9732",
        tag: "459018148f6cbe722fd04796562dfdb4",
    },
    Gcm {
        key: "feffe9928665731c6d6a8f9467308308",
        nonce: "cafebabefacedbaddecaf888",
        aad: "0000a5f80000000a",
        plain: "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d001000001000000000000037369700963796265726369747902646b00000100010001",
        ct: "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
        tag: "83b70d3aa8bc6ee4c309e9d85a41ad4a",
    },
    Gcm {
        key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
        nonce: "112233440102030405060708",
        aad: "4a2cbfe300000002",
        plain: "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000020405b40101040201020201",
        ct: "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a637985771d347f0545659f14e99def842d8e",
        tag: "b335f4eecfdbf831824b4c4915956c96",
    },
    Gcm {
        key: "00000000000000000000000000000000",
        nonce: "000000000000000000000000",
        aad: "0000000000000001",
        plain: "4500003c99c500008001cb7a40679318010101010800075c020044006162636465666768696a6b6c6d6e6f707172737475767761626364656667686901020201",
        ct: "4688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fdcdfff5e9a284456476492719ffb64de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3",
        tag: "f821d496eeb096e98ad2b69e4799c71d",
    },
    Gcm {
        key: "3de09874b388e6491988d0c3607eae1f",
        nonce: "57690e434e280000a2fca1a3",
        aad: "42f67e3f1010101010101010",
        plain: "4500003c99c300008001cb7c40679318010101010800085c020043006162636465666768696a6b6c6d6e6f707172737475767761626364656667686901020201",
        ct: "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c35791765acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a",
        tag: "e0d731cc978ecafaeae88f00e80d6e48",
    },
    Gcm {
        key: "3de09874b388e6491988d0c3607eae1f",
        nonce: "57690e434e280000a2fca1a3",
        aad: "42f67e3f1010101010101010",
        plain: "4500001c42a200008001441f406793b6e00000020a00f5ff01020201",
        ct: "fba2ca845e5df9f0f22c3e6e86dd831e1fc65792cd1af9130e1379ed",
        tag: "369f071f35e034be95f112e4e7d05d35",
    },
    Gcm {
        key: "feffe9928665731c6d6a8f9467308308feffe9928665731c",
        nonce: "cafebabefacedbaddecaf888",
        aad: "0000a5f80000000a",
        plain: "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e501016d075680001",
        ct: "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0315b27452144cc77",
        tag: "95457b9652037f5318027b5b4cd7a636",
    },
    Gcm {
        key: "abbccddef00112233445566778899aab",
        nonce: "decaf888cafedebaceface74",
        aad: "000001000000000000000001",
        plain: "4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d500004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec959b6266c04722b14923010101",
        ct: "18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c226f2127b27db35724e7845d68",
        tag: "651f57e65f354f75ff17015769623436",
    },
    Gcm {
        key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
        nonce: "73616c74616e640169766563",
        aad: "17405e67156f3126dd0db99b",
        plain: "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb71260250101f646d540001",
        ct: "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57ff4d3a31ce673119e",
        tag: "451626c2415771e3b7eebca614c89b35",
    },
    Gcm {
        key: "3de09874b388e6491988d0c3607eae1f",
        nonce: "57690e434e280000a2fca1a3",
        aad: "42f67e3f1010101010101010",
        plain: "45000049333e00007f119182c3fb1d10c2b1d326c02831ce0035cb458003025b000001e0001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b325ae270c03899493915010101",
        ct: "fba2cad12fc1f9f00d3cebf305410db83d7784b607323d220f24b0a97d54182800cadb0f68d99ef0e0c0c89ae9bea8884e52d65bc1afd0740f742444747b5b39ab533163aad4550ee5160975",
        tag: "cdb608c5769189609763b8e18caa81e2",
    },
    Gcm {
        key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
        nonce: "73616c74616e640169766563",
        aad: "17405e67156f3126dd0db99b",
        plain: "636973636f0172756c657301746865016e6574776501646566696e6501746865746563686e6f6c6f67696573017468617477696c6c01646566696e65746f6d6f72726f7701020201",
        ct: "d4b7ed86a1777f2ea13d6973d324c69e7b43f826fb56831226508bebd2dceb18d0a6df10e5487df074113e14c641024e3e6773d91a62ee429b043a10e3efe6b012a49363412364f8",
        tag: "c0cac587f249e56b11e24f30e44ccc76",
    },
    Gcm {
        key: "7d773d00c144c525ac619d18c84a3f47",
        nonce: "d966426743457e9182443bc6",
        aad: "335467aeffffffff",
        plain: "01020201",
        ct: "437f866b",
        tag: "cb3f699fe9b0822bac961c4504bef270",
    },
    Gcm {
        key: "abbccddef00112233445566778899aab",
        nonce: "decaf888cafedebaceface74",
        aad: "000001000000000000000001",
        plain: "746f016265016f72016e6f7401746f0162650001",
        ct: "29c9fc69a197d038ccdd14e2ddfcaa0543332164",
        tag: "412503524303ed3c6c5f283843af8c3e",
    },
    Gcm {
        key: "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961",
        nonce: "7475726e333021696765746d",
        aad: "796b6963ffffffffffffffff",
        plain: "45000030da3a00008001df3bc0a80005c0a800010800c6cd020007006162636465666768696a6b6c6d6e6f707172737401020201",
        ct: "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a864cd3d78ca4ae68a32b42458fb57dbe821dcc63b9",
        tag: "d0937ba2945f669368661a329fb4c053",
    },
];

fn aes_size(key_len: usize) -> AesKeySize {
    match key_len {
        16 => AesKeySize::Aes128,
        24 => AesKeySize::Aes192,
        _ => AesKeySize::Aes256,
    }
}

/// Build (SA config, key material, ESP packet with plaintext, expected ESP packet, seq_hi).
fn gcm_case(c: &Gcm, icv: GcmIcvLen) -> (EspSa, Vec<u8>, Vec<u8>, u32) {
    let key = h(c.key);
    let nonce = h(c.nonce);
    let aad = h(c.aad);
    let esn = aad.len() == 12;
    let (spi, seq_hi, seq_lo) = if esn {
        (
            &aad[..4],
            u32::from_be_bytes(aad[4..8].try_into().unwrap()),
            &aad[8..12],
        )
    } else {
        (&aad[..4], 0, &aad[4..8])
    };
    let mut keymat = key.clone();
    keymat.extend(&nonce[..4]);
    let cfg = EspConfig {
        encryption: EspEncryption::AesGcm(aes_size(key.len()), icv),
        integrity: EspIntegrity::None,
        esn,
    };
    let sa = EspSa::new(cfg, &keymat, &[]).expect("sa");
    let mut plain = Vec::new();
    plain.extend(spi);
    plain.extend(seq_lo);
    plain.extend(vec![0u8; 8]);
    plain.extend(h(c.plain));
    plain.extend(vec![0u8; icv.bytes()]);
    let mut want = Vec::new();
    want.extend(spi);
    want.extend(seq_lo);
    want.extend(&nonce[4..]);
    want.extend(h(c.ct));
    want.extend(&h(c.tag)[..icv.bytes()]);
    (sa, plain, want, seq_hi)
}

#[test]
fn draft_mcgrew_gcm_test_01_esp_packets() {
    let mut esn_cases = 0;
    for (i, c) in GCM.iter().enumerate() {
        let (sa, mut pkt, want, seq_hi) = gcm_case(c, GcmIcvLen::Icv16);
        esn_cases += usize::from(sa.config().esn);
        let iv = h(c.nonce)[4..].to_vec();
        sa.seal_with_iv(&mut pkt, &iv, seq_hi).expect("seal");
        assert_eq!(hex::encode(&pkt), hex::encode(&want), "GCM case {}", i + 1);
        let o = sa
            .open(&mut pkt, seq_hi)
            .unwrap_or_else(|e| panic!("case {} open: {e:?}", i + 1));
        let plain = h(c.plain);
        assert_eq!(
            &pkt[16..16 + plain.len()],
            &plain[..],
            "case {} decrypt",
            i + 1
        );
        assert_eq!(o.payload_len + usize::from(o.pad_length) + 2, plain.len());
        assert_eq!(o.next_header, plain[plain.len() - 1]);
        // With ESN, a wrong high half must fail the ICV.
        if sa.config().esn {
            let mut again = want.clone();
            assert_eq!(
                sa.open(&mut again, seq_hi.wrapping_add(1)),
                Err(PacketError::IcvMismatch)
            );
        }
    }
    assert!(esn_cases >= 6, "the draft has several 64-bit ESN cases");
}

#[test]
fn gcm_truncated_icv_8_and_12() {
    // RFC 4106 §6: the ICV is the leftmost bits of the full GCM tag.
    for c in GCM.iter() {
        for icv in [GcmIcvLen::Icv8, GcmIcvLen::Icv12] {
            let (sa, mut pkt, want, seq_hi) = gcm_case(c, icv);
            let iv = h(c.nonce)[4..].to_vec();
            sa.seal_with_iv(&mut pkt, &iv, seq_hi).expect("seal");
            assert_eq!(pkt, want);
            sa.open(&mut pkt, seq_hi).expect("open");
        }
    }
}

#[test]
fn draft_mcgrew_gcm_test_01_gmac_packet() {
    // AES-GMAC (ESP with NULL encryption, RFC 4543): SPI 0x4321, seq 7,
    // IV 0, AAD = SPI || seq || IV || payload || padding || pad len || NH.
    let keymat = h("4c80cdefbb5d10da906ac73c3613a634 22433c64");
    let cfg = EspConfig {
        encryption: EspEncryption::AesGmac(AesKeySize::Aes128),
        integrity: EspIntegrity::None,
        esn: false,
    };
    let sa = EspSa::new(cfg, &keymat, &[]).expect("sa");
    let body = h("45000030da3a00008001df3bc0a80005c0a800010800c6cd020007006162636465666768696a6b6c6d6e6f707172737401020201");
    let mut pkt = h("00004321 00000007 0000000000000000");
    pkt.extend(&body);
    pkt.extend([0u8; 16]);
    let mut want = h("00004321 00000007 0000000000000000");
    want.extend(&body);
    want.extend(h("f2a9a836e155106aa8dcd618e4099aaa"));
    sa.seal_with_iv(&mut pkt, &[0u8; 8], 0).expect("seal");
    assert_eq!(hex::encode(&pkt), hex::encode(&want));
    let o = sa.open(&mut pkt, 0).expect("open");
    assert_eq!((o.next_header, o.pad_length, o.payload_len), (1, 2, 48));
    // GMAC does not encrypt: the payload is still in the clear.
    assert_eq!(&pkt[16..16 + body.len()], &body[..]);
    // A flipped payload bit is detected.
    want[20] ^= 1;
    assert_eq!(sa.open(&mut want, 0), Err(PacketError::IcvMismatch));
}
